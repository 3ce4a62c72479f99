import { TokenStore, tokenRecordMac } from '../shared/tokens';
import type { RunningKms } from '../subgraphs/kms/server';
import { failure } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * `KmsKey.versions` and `apiTokens` stay bounded on big data: at most the newest 1000 (every one
 * below that); `apiTokens(first)` and `versions(last)` ask for fewer, more than 1000 is BAD_USER_INPUT.
 */
let stack: Stack;
beforeAll(async () => {
  // No version quota here: the key below is rotated past 1000 versions.
  stack = await startStack({ label: 'capped-listings', kms: true, env: { QUOTA_KEY_VERSIONS: '0' } });
});
afterAll(() => stack?.stop());

it('apiTokens lists the newest 1000 tokens, or the newest `first`', async () => {
  const project = 'cap-tokens';
  // Written straight to the store, each a millisecond apart in the past (the listing is newest first).
  const base = Date.now() - 60_000;
  let i = 0;
  const tokens = new TokenStore(stack.services.get('platform')!.redis, null, tokenRecordMac(stack.services.get('platform')!.config.internalSecret), () => new Date(base + i));
  for (; i < 1001; i++) await tokens.create({ name: `bulk-${i}`, project, scopes: ['secrets:read'], pathPrefixes: null, expiresAt: null });
  const admin = await stack.token(['admin'], { project });
  const all = (await stack.ok(`{ apiTokens { id name } }`, {}, { token: admin.token })).apiTokens;
  expect(all).toHaveLength(1000);
  expect(all[0].id).toBe(admin.id);
  expect(all[1].name).toBe('bulk-1000');
  expect(all[999].name).toBe('bulk-2');
  const two = (await stack.ok(`{ apiTokens(first: 2) { id } }`, {}, { token: admin.token })).apiTokens;
  expect(two.map((t: { id: string }) => t.id)).toEqual([admin.id, all[1].id]);
  expect(failure(await stack.gql(`{ apiTokens(first: 1001) { id } }`, {}, { token: admin.token }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
});

it('KmsKey.versions lists the newest 1000 versions, oldest first, or the newest `last`', async () => {
  const t = await stack.token(['*'], { project: 'cap-keys' });
  await stack.ok(`mutation { createKmsKey(input: { identity: "busy", type: AES256_GCM96 }) { identity } }`, {}, { token: t.token });
  const kms = (stack.kms('us-east-1') as RunningKms).kms;
  for (let i = 0; i < 1001; i++) await kms.rotate('cap-keys', 'busy');
  const key = (await stack.ok(`{ kmsKey(identity: "busy") { latestVersion versions { version } newest: versions(last: 2) { version } } }`, {}, { token: t.token })).kmsKey;
  expect(key.latestVersion).toBe(1002);
  expect(key.versions).toHaveLength(1000);
  expect(key.versions[0].version).toBe(3);
  expect(key.versions[999].version).toBe(1002);
  expect(key.newest).toEqual([{ version: 1001 }, { version: 1002 }]);
  expect(failure(await stack.gql(`{ kmsKey(identity: "busy") { versions(last: 1001) { version } } }`, {}, { token: t.token }))).toMatchObject({ code: 'BAD_USER_INPUT' });
});
