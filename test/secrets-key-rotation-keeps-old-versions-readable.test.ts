import { secretKeyNames } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';

/**
 * Seed, "Versioning": KMS key rotation does not require re-encrypting secret values. After
 * rotateKmsKey old versions still decrypt (with the key version they were written with), new puts
 * use the new key version (SecretVersion.kmsKeyVersion), and no stored ciphertext changes.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-rotate', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "rot", type: AES256_GCM96 }) { identity } }`);
});
afterAll(async () => stack?.stop());

test('rotate: old versions decrypt, new puts use the new key version, nothing re-encrypted', async () => {
  await stack.ok(`mutation { createSecret(input: { path: "rot/s", kmsKeyIdentity: "rot", value: "before rotation" }) { path } }`);
  await stack.ok(`mutation { putSecretValue(input: { path: "rot/s", value: "also before" }) { version } }`);
  const valuesKey = secretKeyNames('default', 'rot/s').values;
  const redis = stack.services.get('secrets')!.redis;
  const storedBefore = await redis.hgetall(valuesKey);
  expect(Object.values(storedBefore).every((c) => c.startsWith('kms:v1:'))).toBe(true);

  const rotated = await stack.ok(`mutation { rotateKmsKey(identity: "rot") { latestVersion } }`);
  expect(rotated.rotateKmsKey.latestVersion).toBe(2);

  const put = await stack.ok(`mutation { putSecretValue(input: { path: "rot/s", value: "after rotation" }) { version kmsKeyVersion } }`);
  expect(put.putSecretValue).toEqual({ version: 3, kmsKeyVersion: 2 });

  const meta = await stack.ok(`{ secret(path: "rot/s") { versions { nodes { version kmsKeyVersion } } kmsKey { latestVersion } } }`);
  expect(meta.secret.versions.nodes).toEqual([
    { version: 3, kmsKeyVersion: 2 }, { version: 2, kmsKeyVersion: 1 }, { version: 1, kmsKeyVersion: 1 },
  ]);
  expect(meta.secret.kmsKey.latestVersion).toBe(2);

  const read = async (v: number) => (await stack.ok(`query($v: Int) { getSecretValue(path: "rot/s", version: $v) { value } }`, { v })).getSecretValue.value;
  expect(await read(1)).toBe('before rotation');
  expect(await read(2)).toBe('also before');
  expect(await read(3)).toBe('after rotation');

  // The old ciphertexts are byte for byte what they were: rotation re-encrypted nothing.
  const storedAfter = await redis.hgetall(valuesKey);
  expect(storedAfter['1']).toBe(storedBefore['1']);
  expect(storedAfter['2']).toBe(storedBefore['2']);
  expect(storedAfter['3']).toMatch(/^kms:v2:/);
});
