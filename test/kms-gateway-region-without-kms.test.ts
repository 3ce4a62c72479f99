import { startStack, type Stack } from './support/stack';

/**
 * ap-southeast-2 (in the registry, no KMS endpoint) answers every kms root
 * field through the gateway with 503 REGION_UNAVAILABLE, a Retry-After header and
 * extensions.region = "ap-southeast-2", at once (no timeout wait), never 200 / 500.
 */
const REGION = 'ap-southeast-2';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-nokms', kms: true });
  // The same identity exists in the regions that have a KMS: routing must not fall back to them.
  for (const region of ['us-east-1', 'eu-west-1']) {
    await stack.ok(`mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }`, {}, { region });
  }
}, 60_000);
afterAll(async () => stack?.stop());

const m = Buffer.from('m').toString('base64');
const ROOT_OPERATIONS: [string, string][] = [
  ['kmsKey', `{ kmsKey(identity: "k") { identity } }`],
  ['kmsKeys', `{ kmsKeys { nodes { identity } } }`],
  ['createKmsKey', `mutation { createKmsKey(input: { identity: "ap-key", type: AES256_GCM96 }) { identity } }`],
  ['rotateKmsKey', `mutation { rotateKmsKey(identity: "k") { identity } }`],
  ['updateKmsKey', `mutation { updateKmsKey(input: { identity: "k", description: "x" }) { identity } }`],
  ['disableKmsKey', `mutation { disableKmsKey(identity: "k") { identity } }`],
  ['enableKmsKey', `mutation { enableKmsKey(identity: "k") { identity } }`],
  ['scheduleKmsKeyDeletion', `mutation { scheduleKmsKeyDeletion(identity: "k", pendingWindowDays: 7) { identity } }`],
  ['cancelKmsKeyDeletion', `mutation { cancelKmsKeyDeletion(identity: "k") { identity } }`],
  ['encrypt', `mutation { encrypt(input: { keyIdentity: "k", plaintext: "${m}" }) { ciphertext } }`],
  ['decrypt', `mutation { decrypt(input: { keyIdentity: "k", ciphertext: "kms:v1:AAAA" }) { plaintext } }`],
  ['reEncrypt', `mutation { reEncrypt(input: { keyIdentity: "k", ciphertext: "kms:v1:AAAA" }) { ciphertext } }`],
  ['generateDataKey', `mutation { generateDataKey(input: { keyIdentity: "k" }) { ciphertext } }`],
  ['encryptBatch', `mutation { encryptBatch(keyIdentity: "k", items: [{ plaintext: "${m}" }]) { index } }`],
  ['decryptBatch', `mutation { decryptBatch(keyIdentity: "k", items: [{ ciphertext: "kms:v1:AAAA" }]) { index } }`],
  ['sign', `mutation { sign(input: { keyIdentity: "k", message: "${m}" }) { signature } }`],
  ['verify', `mutation { verify(input: { keyIdentity: "k", message: "${m}", signature: "kms:v1:AAAA" }) { valid } }`],
  ['generateMac', `mutation { generateMac(input: { keyIdentity: "k", message: "${m}" }) { mac } }`],
  ['verifyMac', `mutation { verifyMac(input: { keyIdentity: "k", message: "${m}", mac: "kms:v1:AAAA" }) { valid } }`],
  ['exportKmsKey', `mutation { exportKmsKey(identity: "k") { version } }`],
];

test.each(ROOT_OPERATIONS)('%s in ap-southeast-2 → 503 REGION_UNAVAILABLE, Retry-After, extensions.region, < 1 s', async (field, query) => {
  const t0 = Date.now();
  const r = await stack.gql(query, {}, { region: REGION });
  const elapsed = Date.now() - t0;
  expect({ field, status: r.status, code: r.body.errors?.[0]?.extensions?.code, region: r.body.errors?.[0]?.extensions?.region }).toEqual({
    field, status: 503, code: 'REGION_UNAVAILABLE', region: REGION,
  });
  expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  // No data for the region: the mutation's data is null, a nullable query field is null.
  const data = r.body.data;
  expect(data === null || data === undefined || data[field] === null).toBe(true);
  expect(r.body.errors!.every((e) => e.extensions?.code === 'REGION_UNAVAILABLE')).toBe(true);
  expect(elapsed).toBeLessThan(1000);
});

test('several kms fields in one ap-southeast-2 query: every one REGION_UNAVAILABLE, still 503', async () => {
  const r = await stack.gql(`{ a: kmsKey(identity: "k") { identity } b: kmsKeys { nodes { identity } } }`, {}, { region: REGION });
  expect(r.status).toBe(503);
  expect(r.body.data === null || (r.body.data.a === null && r.body.data.b === null)).toBe(true);
  expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  for (const e of r.body.errors ?? []) expect(e.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: REGION });
});

test('nothing reached the other regions: no key was created, changed or disabled there', async () => {
  for (const region of ['us-east-1', 'eu-west-1']) {
    const { kmsKeys } = await stack.ok(`{ kmsKeys { nodes { identity status description latestVersion } } }`, {}, { region });
    expect(kmsKeys.nodes).toEqual([{ identity: 'k', status: 'ACTIVE', description: null, latestVersion: 1 }]);
  }
});
