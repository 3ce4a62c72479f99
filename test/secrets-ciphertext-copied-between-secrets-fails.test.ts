import { secretKeyNames } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';

/**
 * Associated data binds project, path, version (and incarnation): a ciphertext copied inside
 * Redis from one secret or version into another does not decrypt — INVALID_CIPHERTEXT (400) —
 * although it is a perfectly valid ciphertext of the same key. The secrets subgraph stores
 * only ciphertext, never the plaintext.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-copy', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "shared-key", type: AES256_GCM96 }) { identity } }`);
  for (const [path, value] of [['copy/a', 'value-of-a'], ['copy/b', 'value-of-b']]) {
    await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'shared-key', value } });
  }
  await stack.ok(`mutation { putSecretValue(input: { path: "copy/a", value: "a-two" }) { version } }`);
});
afterAll(async () => stack?.stop());

const redis = () => stack.services.get('secrets')!.redis;
const values = (path: string) => secretKeyNames('default', path).values;
const reveal = (path: string, version?: number) =>
  stack.gql(`query($p: String!, $v: Int) { getSecretValue(path: $p, version: $v) { value } }`, { p: path, v: version });

test('stored values are ciphertext only', async () => {
  const stored = await redis().hgetall(values('copy/a'));
  expect(Object.keys(stored).sort()).toEqual(['1', '2']);
  for (const ct of Object.values(stored)) {
    expect(ct).toMatch(/^kms:v1:[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(ct.split(':')[2], 'base64').toString('latin1')).not.toContain('value-of-a');
  }
});

test('ciphertext of secret a copied into secret b → 400 INVALID_CIPHERTEXT', async () => {
  expect((await reveal('copy/b')).body.data.getSecretValue.value).toBe('value-of-b');
  const ofA = await redis().hget(values('copy/a'), '1');
  await redis().hset(values('copy/b'), '1', ofA!);
  const r = await reveal('copy/b');
  expect(r.status).toBe(400);
  expect(r.body.errors?.[0].extensions?.code).toBe('INVALID_CIPHERTEXT');
  expect(JSON.stringify(r.body)).not.toContain('value-of-a');
});

test('ciphertext of version 1 copied into version 2 of the same secret → 400 INVALID_CIPHERTEXT', async () => {
  expect((await reveal('copy/a', 2)).body.data.getSecretValue.value).toBe('a-two');
  const v1 = await redis().hget(values('copy/a'), '1');
  await redis().hset(values('copy/a'), '2', v1!);
  const r = await reveal('copy/a', 2);
  expect(r.status).toBe(400);
  expect(r.body.errors?.[0].extensions?.code).toBe('INVALID_CIPHERTEXT');
  // The original stays readable: only the moved copy is refused.
  expect((await reveal('copy/a', 1)).body.data.getSecretValue.value).toBe('value-of-a');
});

test('ciphertext of a deleted secret replayed into a secret recreated at the same path → INVALID_CIPHERTEXT', async () => {
  await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'copy/c', kmsKeyIdentity: 'shared-key', value: 'old life' } });
  const old = await redis().hget(values('copy/c'), '1');
  expect((await stack.ok(`mutation { deleteSecret(path: "copy/c") }`)).deleteSecret).toBe(true);
  await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'copy/c', kmsKeyIdentity: 'shared-key', value: 'new life' } });
  await redis().hset(values('copy/c'), '1', old!);
  const r = await reveal('copy/c');
  expect(r.body.errors?.[0].extensions?.code).toBe('INVALID_CIPHERTEXT');
});
