import { b64, gqlClient } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * The seed's "Key state impact" table, through the gateway: in every state (ACTIVE, DISABLED,
 * PENDING_DELETION) metadata stays readable (kmsKey, kmsKeys, every KmsKey field); crypto works only
 * while ACTIVE — otherwise HTTP 400 KMS_KEY_NOT_ACTIVE with extensions.kmsKeyStatus. Enabling a
 * DISABLED key restores crypto; enabling a PENDING_DELETION key is refused (cancel first).
 */
const REGION = 'eu-west-1'; // not the default region: x-region must carry it all the way
let stack: Stack;
const { gql, ok } = gqlClient((q, v, o) => stack.gql(q, v, o), { region: REGION });

const ENC = 'state-enc';
const SIG = 'state-sig';
const MAC = 'state-mac';
const KEYS = [ENC, SIG, MAC];
const FIELDS = `region identity type purpose status description exportable createdAt latestVersion minDecryptionVersion
  minEncryptionVersion autoRotatePeriodDays deletionDate versions { version createdAt } publicKeyPem`;

// Artefacts made while ACTIVE, to feed decrypt / verify / verifyMac later.
let ciphertext = '';
let signature = '';
let mac = '';
let pem: string | null = null;

/** Every crypto operation of API.md against the three keys (one per purpose). */
function cryptoOps(): [string, string, Record<string, unknown>][] {
  const m = b64('message');
  return [
    ['encrypt', `mutation($k: String!, $p: String!) { encrypt(input: { keyIdentity: $k, plaintext: $p }) { ciphertext } }`, { k: ENC, p: m }],
    ['decrypt', `mutation($k: String!, $c: String!) { decrypt(input: { keyIdentity: $k, ciphertext: $c }) { plaintext } }`, { k: ENC, c: ciphertext }],
    ['reEncrypt', `mutation($k: String!, $c: String!) { reEncrypt(input: { keyIdentity: $k, ciphertext: $c }) { ciphertext } }`, { k: ENC, c: ciphertext }],
    ['generateDataKey', `mutation($k: String!) { generateDataKey(input: { keyIdentity: $k, bits: 128 }) { ciphertext } }`, { k: ENC }],
    ['encryptBatch', `mutation($k: String!, $p: String!) { encryptBatch(keyIdentity: $k, items: [{ plaintext: $p }]) { index ciphertext error { code } } }`, { k: ENC, p: m }],
    ['decryptBatch', `mutation($k: String!, $c: String!) { decryptBatch(keyIdentity: $k, items: [{ ciphertext: $c }]) { index plaintext error { code } } }`, { k: ENC, c: ciphertext }],
    ['sign', `mutation($k: String!, $m: String!) { sign(input: { keyIdentity: $k, message: $m }) { signature } }`, { k: SIG, m }],
    ['verify', `mutation($k: String!, $m: String!, $s: String!) { verify(input: { keyIdentity: $k, message: $m, signature: $s }) { valid } }`, { k: SIG, m, s: signature }],
    ['generateMac', `mutation($k: String!, $m: String!) { generateMac(input: { keyIdentity: $k, message: $m }) { mac } }`, { k: MAC, m }],
    ['verifyMac', `mutation($k: String!, $m: String!, $s: String!) { verifyMac(input: { keyIdentity: $k, message: $m, mac: $s }) { valid } }`, { k: MAC, m, s: mac }],
    ['exportKmsKey', `mutation($k: String!) { exportKmsKey(identity: $k) { version } }`, { k: ENC }],
  ];
}

async function expectCryptoWorks(): Promise<void> {
  for (const [name, q, v] of cryptoOps()) {
    const r = await gql(q, v);
    expect({ name, status: r.status, errors: r.body.errors }).toEqual({ name, status: 200, errors: undefined });
    const value = r.body.data[name];
    if (Array.isArray(value)) expect({ name, error: value[0].error }).toEqual({ name, error: null });
    if (value && 'valid' in value) expect({ name, valid: value.valid }).toEqual({ name, valid: true });
    if (name === 'decrypt') expect(value.plaintext).toBe(b64('message'));
  }
}

async function expectCryptoRefused(status: 'DISABLED' | 'PENDING_DELETION'): Promise<void> {
  for (const [name, q, v] of cryptoOps()) {
    const r = await gql(q, v);
    expect({ name, status: r.status, data: r.body.data, code: r.body.errors?.[0]?.extensions?.code, kmsKeyStatus: r.body.errors?.[0]?.extensions?.kmsKeyStatus }).toEqual({
      name, status: 400, data: null, code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: status,
    });
    expect(r.body.errors).toHaveLength(1);
  }
}

async function expectMetadataReadable(status: string): Promise<void> {
  for (const identity of KEYS) {
    const r = await gql(`query($i: String!) { kmsKey(identity: $i) { ${FIELDS} } }`, { i: identity });
    expect({ identity, status: r.status, errors: r.body.errors }).toEqual({ identity, status: 200, errors: undefined });
    const k = r.body.data.kmsKey;
    expect(k).toMatchObject({ region: REGION, identity, status, latestVersion: 1, versions: [{ version: 1, createdAt: k.createdAt }] });
    expect(k.deletionDate === null).toBe(status !== 'PENDING_DELETION');
    if (identity === SIG) expect(k.publicKeyPem).toBe(pem);
  }
  const list = await ok(`query($s: KeyStatus) { kmsKeys(status: $s) { nodes { identity status type } } }`, { s: status });
  expect(list.kmsKeys.nodes.map((n: any) => n.identity)).toEqual([...KEYS].sort());
  const all = await ok(`{ kmsKeys { nodes { identity status } } }`);
  expect(all.kmsKeys.nodes).toEqual([...KEYS].sort().map((identity) => ({ identity, status })));
}

async function setAll(mutation: string, expected: string): Promise<void> {
  for (const identity of KEYS) {
    const r = await ok(`mutation($i: String!) { ${mutation}(identity: $i) { status } }`, { i: identity });
    expect(r[mutation].status).toBe(expected);
  }
}

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-state', kms: true });
  await ok(`mutation { createKmsKey(input: { identity: "${ENC}", type: AES256_GCM96, exportable: true }) { identity } }`);
  await ok(`mutation { createKmsKey(input: { identity: "${SIG}", type: ECDSA_P256 }) { identity } }`);
  await ok(`mutation { createKmsKey(input: { identity: "${MAC}", type: HMAC_SHA256 }) { identity } }`);
  ciphertext = (await ok(`mutation { encrypt(input: { keyIdentity: "${ENC}", plaintext: "${b64('message')}" }) { ciphertext } }`)).encrypt.ciphertext;
  signature = (await ok(`mutation { sign(input: { keyIdentity: "${SIG}", message: "${b64('message')}" }) { signature } }`)).sign.signature;
  mac = (await ok(`mutation { generateMac(input: { keyIdentity: "${MAC}", message: "${b64('message')}" }) { mac } }`)).generateMac.mac;
  pem = (await ok(`{ kmsKey(identity: "${SIG}") { publicKeyPem } }`)).kmsKey.publicKeyPem;
}, 60_000);
afterAll(async () => stack?.stop());

test('ACTIVE: metadata readable, every crypto operation works', async () => {
  expect(pem).toMatch(/BEGIN PUBLIC KEY/);
  await expectMetadataReadable('ACTIVE');
  await expectCryptoWorks();
});

test('DISABLED: metadata readable; every crypto operation → 400 KMS_KEY_NOT_ACTIVE, kmsKeyStatus DISABLED', async () => {
  await setAll('disableKmsKey', 'DISABLED');
  await expectMetadataReadable('DISABLED');
  await expectCryptoRefused('DISABLED');
});

test('enable from DISABLED restores every crypto operation', async () => {
  await setAll('enableKmsKey', 'ACTIVE');
  await expectMetadataReadable('ACTIVE');
  await expectCryptoWorks();
});

test('PENDING_DELETION: metadata readable; every crypto operation → 400 KMS_KEY_NOT_ACTIVE, kmsKeyStatus PENDING_DELETION', async () => {
  for (const identity of KEYS) {
    await ok(`mutation($i: String!) { scheduleKmsKeyDeletion(identity: $i, pendingWindowDays: 7) { status } }`, { i: identity });
  }
  await expectMetadataReadable('PENDING_DELETION');
  await expectCryptoRefused('PENDING_DELETION');
});

test('enable from PENDING_DELETION → 400 BAD_USER_INPUT and the key stays pending; cancel → DISABLED; enable → crypto back', async () => {
  for (const identity of KEYS) {
    const r = await gql(`mutation($i: String!) { enableKmsKey(identity: $i) { status } }`, { i: identity });
    expect({ identity, status: r.status, code: r.body.errors?.[0]?.extensions?.code, data: r.body.data }).toEqual({ identity, status: 400, code: 'BAD_USER_INPUT', data: null });
  }
  await expectMetadataReadable('PENDING_DELETION');
  await expectCryptoRefused('PENDING_DELETION');
  await setAll('cancelKmsKeyDeletion', 'DISABLED');
  await expectMetadataReadable('DISABLED');
  await expectCryptoRefused('DISABLED');
  await setAll('enableKmsKey', 'ACTIVE');
  await expectCryptoWorks();
});
