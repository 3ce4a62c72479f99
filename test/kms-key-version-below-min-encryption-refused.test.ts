import { startStack, type Stack } from './support/stack';

/**
 * minEncryptionVersion retires old versions for new work: once it is 3, nothing new may be
 * encrypted, signed or MAC'd under versions 1 or 2, not even when the caller names one
 * explicitly. Versions at or above the minimum still serve, and without a keyVersion the minimum
 * is used; the batch and data-key paths (which take no keyVersion) follow the same rule.
 */
let stack: Stack;
const msg = Buffer.from('retired versions make nothing new').toString('base64');

beforeAll(async () => {
  stack = await startStack({ label: 'kms-min-enc', kms: true });
  for (const [identity, type] of [['enc', 'AES256_GCM96'], ['sig', 'ED25519'], ['mac', 'HMAC_SHA256']]) {
    await stack.ok(`mutation($i: String!, $t: KeyType!) { createKmsKey(input: { identity: $i, type: $t }) { identity } }`, { i: identity, t: type });
    for (let n = 0; n < 3; n++) await stack.ok(`mutation($i: String!) { rotateKmsKey(identity: $i) { latestVersion } }`, { i: identity });
    // Four versions; new work only under 3 and 4.
    await stack.ok(`mutation($i: String!) { updateKmsKey(input: { identity: $i, minEncryptionVersion: 3 }) { minEncryptionVersion } }`, { i: identity });
  }
}, 60_000);
afterAll(() => stack?.stop());

const OPS = {
  encrypt: { key: 'enc', query: `mutation($v: Int) { encrypt(input: { keyIdentity: "enc", plaintext: "${msg}", keyVersion: $v }) { keyVersion } }` },
  sign: { key: 'sig', query: `mutation($v: Int) { sign(input: { keyIdentity: "sig", message: "${msg}", keyVersion: $v }) { keyVersion } }` },
  generateMac: { key: 'mac', query: `mutation($v: Int) { generateMac(input: { keyIdentity: "mac", message: "${msg}", keyVersion: $v }) { keyVersion } }` },
} as const;

describe.each(Object.keys(OPS) as (keyof typeof OPS)[])('%s', (op) => {
  it.each([1, 2])('an explicit keyVersion %i below minEncryptionVersion 3 is BAD_USER_INPUT', async (v) => {
    const r = await stack.gql(OPS[op].query, { v });
    expect(r.status).toBe(400);
    expect(r.body.data?.[op] ?? null).toBeNull();
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'keyVersion' });
  });

  it('keyVersion at or above the minimum serves; none means the minimum', async () => {
    expect((await stack.ok(OPS[op].query, { v: 3 }))[op].keyVersion).toBe(3);
    expect((await stack.ok(OPS[op].query, { v: 4 }))[op].keyVersion).toBe(4);
    expect((await stack.ok(OPS[op].query, { v: null }))[op].keyVersion).toBe(3);
  });
});

it('the paths without a keyVersion (batch, data key, re-encrypt) encrypt under the minimum too', async () => {
  const batch = await stack.ok(`mutation { encryptBatch(keyIdentity: "enc", items: [{ plaintext: "${msg}" }]) { keyVersion } }`);
  expect(batch.encryptBatch).toEqual([{ keyVersion: 3 }]);
  const dk = await stack.ok(`mutation { generateDataKey(input: { keyIdentity: "enc" }) { keyVersion ciphertext } }`);
  expect(dk.generateDataKey.keyVersion).toBe(3);
  const v4 = (await stack.ok(`mutation { encrypt(input: { keyIdentity: "enc", plaintext: "${msg}", keyVersion: 4 }) { ciphertext } }`)).encrypt.ciphertext;
  const re = await stack.ok(`mutation($c: String!) { reEncrypt(input: { keyIdentity: "enc", ciphertext: $c }) { keyVersion } }`, { c: v4 });
  expect(re.reEncrypt.keyVersion).toBe(3);
});

it('with minEncryptionVersion 0 (latest) an explicit older version still decryptable serves', async () => {
  await stack.ok(`mutation { updateKmsKey(input: { identity: "enc", minEncryptionVersion: 0 }) { minEncryptionVersion } }`);
  expect((await stack.ok(OPS.encrypt.query, { v: 1 })).encrypt.keyVersion).toBe(1);
  await stack.ok(`mutation { updateKmsKey(input: { identity: "enc", minEncryptionVersion: 3 }) { minEncryptionVersion } }`);
});
