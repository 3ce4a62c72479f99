import { gqlClient } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * API.md writes defaulted arguments as nullable with a default (`first: Int = 50`, `bits = 256`,
 * `exportable = false`, `pendingWindowDays: Int = 30`, `version: Int`). An explicit null is legal
 * GraphQL for them and, by the project's rule ("treat null as the default"), means the default. Checked through the gateway, the way a typed client sends it: a
 * variable left null.
 */
const REGION = 'us-east-1';
let stack: Stack;
const { gql, ok } = gqlClient((q, v, o) => stack.gql(q, v, o), { region: REGION });

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-nulls', kms: true });
}, 60_000);
afterAll(async () => stack?.stop());

test('createKmsKey exportable: null → false; kmsKeys first: null → the default page', async () => {
  const { createKmsKey } = await ok(`mutation($e: Boolean) { createKmsKey(input: { identity: "k", type: AES256_GCM96, exportable: $e }) { exportable } }`, { e: null });
  expect(createKmsKey.exportable).toBe(false);
  await ok(`mutation { createKmsKey(input: { identity: "s", type: ED25519 }) { identity } }`);
  const { kmsKeys } = await ok(`query($f: Int) { kmsKeys(first: $f) { nodes { identity } pageInfo { hasNextPage } } }`, { f: null });
  expect(kmsKeys).toEqual({ nodes: [{ identity: 'k' }, { identity: 's' }], pageInfo: { hasNextPage: false } });
});

test('generateDataKey bits: null → 256 bits; encrypt keyVersion: null → the default version', async () => {
  const { generateDataKey } = await ok(`mutation($b: Int) { generateDataKey(input: { keyIdentity: "k", bits: $b }) { plaintext } }`, { b: null });
  expect(Buffer.from(generateDataKey.plaintext, 'base64')).toHaveLength(32);
  const { encrypt } = await ok(`mutation($v: Int) { encrypt(input: { keyIdentity: "k", plaintext: "AA==", keyVersion: $v }) { keyVersion } }`, { v: null });
  expect(encrypt.keyVersion).toBe(1);
});

test('publicKeyPem(version: null) and exportKmsKey(version: null) → the latest version', async () => {
  const { kmsKey } = await ok(`query($v: Int) { kmsKey(identity: "s") { publicKeyPem(version: $v) } }`, { v: null });
  expect(kmsKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
  await ok(`mutation { createKmsKey(input: { identity: "x", type: AES128_GCM96, exportable: true }) { identity } }`);
  const { exportKmsKey } = await ok(`mutation($v: Int) { exportKmsKey(identity: "x", version: $v) { version } }`, { v: null });
  expect(exportKmsKey.version).toBe(1);
});

test('scheduleKmsKeyDeletion(pendingWindowDays: null) → the default 30-day window, not 400', async () => {
  const t0 = Date.now();
  const r = await gql(`mutation($d: Int) { scheduleKmsKeyDeletion(identity: "s", pendingWindowDays: $d) { status deletionDate } }`, { d: null });
  expect({ status: r.status, errors: r.body.errors }).toEqual({ status: 200, errors: undefined });
  expect(r.body.data.scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');
  expect(Math.abs(Date.parse(r.body.data.scheduleKmsKeyDeletion.deletionDate) - (t0 + 30 * 86_400_000))).toBeLessThan(60_000);
});
