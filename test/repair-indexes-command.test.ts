import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';
import { indexKeyNames } from '../subgraphs/secrets/store/secretStore';

/** The repair command rebuilds lost secrets index entries from the secrets themselves. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'repair', kms: true, secrets: true });
});
afterAll(() => stack.stop());

it('`npm run repair-indexes -- <project>` puts lost index entries back; listings and counts recover', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "rk", type: AES256_GCM96 }) { identity } }');
  for (const p of ['r/a', 'r/b', 'r/c']) await stack.ok(`mutation { createSecret(input: { path: "${p}", kmsKeyIdentity: "rk" }) { path } }`);
  const list = async () => (await stack.ok('{ secrets(pathPrefix: "r/") { nodes { path } } kmsKey(identity: "rk") { boundSecretCount } }'));
  expect((await list()).kmsKey.boundSecretCount).toBe(3);

  // A crash between the secret's write and its index writes, simulated: the index entries are gone.
  const redis = stack.services.get('secrets')!.redis;
  const idx = indexKeyNames('default', { region: 'us-east-1', identity: 'rk' });
  await redis.zrem(idx.all, 'r/b');
  await redis.zrem(idx.bound!, 'r/b', 'r/c');
  expect((await list()).secrets.nodes).toEqual([{ path: 'r/a' }, { path: 'r/c' }]);
  expect((await list()).kmsKey.boundSecretCount).toBe(1);

  const r = spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'scripts', 'repairIndexes.js'), 'default'], {
    env: { ...process.env, ...stack.baseEnv, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toContain('default: 3 secrets, 3 index entries added, 0 removed');
  expect((await list()).secrets.nodes).toEqual([{ path: 'r/a' }, { path: 'r/b' }, { path: 'r/c' }]);
  expect((await list()).kmsKey.boundSecretCount).toBe(3);
});

it('without a project it prints its usage and exits 64', () => {
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'scripts', 'repairIndexes.js')], { env: { ...process.env, ...stack.baseEnv }, encoding: 'utf8' });
  expect(r.status).toBe(64);
  expect(r.stderr).toContain('usage: npm run repair-indexes');
});
