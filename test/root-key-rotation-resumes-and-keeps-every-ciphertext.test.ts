import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';
import { createFixtures, expectedView, observe, runScript, type KeyFixture } from './support/keyFixtures';
import { scanKmsKeys } from '../subgraphs/kms/store/keyBackup';
import { kmsKeyNames, kmsRotationKeyNames } from '../subgraphs/kms/store/keyStore';

/**
 * `npm run rotate-root-key` moves a region's key material to a new root key without changing
 * any ciphertext: interrupted half-way and resumed, with the KMS reading both keys meanwhile;
 * then the KMS runs with the new key alone and everything still decrypts, verifies and signs.
 */
let stack: Stack;
let fixtures: KeyFixture[];
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smk-rotate-'));
  stack = await startStack({ label: 'rotate-root', kms: true, secrets: true });
  fixtures = await createFixtures(stack);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const REGION = 'us-east-1';

async function rings(region: string): Promise<Record<string, Record<string, string>>> {
  const redis = stack.services.get('secrets')!.redis;
  const out: Record<string, Record<string, string>> = {};
  for (const ref of await scanKmsKeys(redis, region)) out[`${ref.project}/${ref.identity}`] = await redis.hgetall(kmsKeyNames(ref).ring);
  return out;
}

async function restartKms(rootKey: string, previous: string | null = null): Promise<void> {
  await stack.stopKms(REGION);
  stack.setKmsRootKey(REGION, rootKey, previous);
  await stack.restartKms(REGION);
  // A connection the gateway pooled to the stopped KMS may fail the first call: wait until the region answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await stack.gql('{ kmsKeys(first: 1) { nodes { identity } } }', {}, { region: REGION });
    if (r.body.errors?.[0]?.extensions?.code !== 'REGION_UNAVAILABLE') return;
    if (Date.now() > deadline) throw new Error(`${REGION} did not come back`);
  }
}

it('rewraps every key of the region, resumes after an interruption, and the KMS then needs only the new key', async () => {
  const oldKey = stack.kmsRootKeyOf(REGION);
  const newKey = randomBytes(32).toString('base64');
  const keyFile = join(dir, 'new-root.key');
  writeFileSync(keyFile, newKey + '\n', { mode: 0o600 });
  const before = { here: await rings(REGION), there: await rings('eu-west-1') };
  expect(Object.keys(before.here)).toHaveLength(6);

  // The rotation window: the KMS writes under the new key and still reads the old one.
  await restartKms(newKey, oldKey);
  const first = runScript(stack, 'rotateRootKey', ['--region', REGION, '--new-key-file', keyFile, '--limit', '2'], { KMS_ROOT_KEY: oldKey });
  expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 75, stderr: '' });
  expect(first.stdout).toContain('stopped after 2 keys (--limit); run again to resume');
  const redis = stack.services.get('secrets')!.redis;
  expect(await redis.scard(kmsRotationKeyNames(REGION).done)).toBe(2);
  const half = await rings(REGION);
  const changed = Object.keys(half).filter((k) => JSON.stringify(half[k]) !== JSON.stringify(before.here[k]));
  expect(changed).toHaveLength(2);
  // Half-rotated: every key still works, whichever root key wraps it now.
  expect(await observe(stack, fixtures)).toEqual(expectedView(fixtures));

  // Resumed: only the keys not done yet (4 keys, 6 versions: the first run took default/hm and default/sig).
  const second = runScript(stack, 'rotateRootKey', ['--region', REGION], { KMS_ROOT_KEY: newKey, KMS_PREVIOUS_ROOT_KEY: oldKey });
  expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
  expect(second.stdout).toContain(`rotate-root-key: ${REGION}: complete: 6 keys under the new root key (6 versions rewrapped and 4 records re-signed in this run)`);
  const after = await rings(REGION);
  for (const k of Object.keys(before.here)) for (const v of Object.keys(before.here[k])) expect(after[k][v]).not.toBe(before.here[k][v]);
  expect(await rings('eu-west-1')).toEqual(before.there);

  // The old key alone no longer opens this region's keys: the material really moved.
  await restartKms(oldKey);
  const f = fixtures.find((x) => x.region === REGION && x.project === 'default')!;
  const refused = await stack.gql('mutation($input: DecryptInput!) { decrypt(input: $input) { plaintext } }', { input: { keyIdentity: 'sym', ciphertext: f.ciphertexts[0].ciphertext } }, { region: REGION });
  expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringContaining('integrity check') });

  // The new key alone: every ciphertext decrypts, signatures and MACs verify, keys sign and encrypt.
  await restartKms(newKey);
  expect(await observe(stack, fixtures)).toEqual(expectedView(fixtures));

  // A run after completion finds nothing left to do.
  const third = runScript(stack, 'rotateRootKey', ['--region', REGION, '--new-key-file', keyFile], { KMS_ROOT_KEY: oldKey });
  expect(third.status).toBe(0);
  expect(third.stdout).toContain('(0 versions rewrapped and 0 records re-signed in this run)');
}, 120_000);

it('refuses to run without both keys, or with the same key twice', () => {
  const key = stack.kmsRootKeyOf(REGION);
  const none = runScript(stack, 'rotateRootKey', ['--region', REGION], { KMS_ROOT_KEY: key });
  expect(none.status).toBe(1);
  expect(none.stderr).toContain('needs the old and the new root key');
  const same = runScript(stack, 'rotateRootKey', ['--region', REGION], { KMS_ROOT_KEY: key, KMS_NEW_ROOT_KEY: key });
  expect(same.status).toBe(1);
  expect(same.stderr).toContain('the new root key is the old one');
  expect(runScript(stack, 'rotateRootKey', []).status).toBe(64);
});
