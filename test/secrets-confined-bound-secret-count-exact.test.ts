import type { RedisClient } from '../shared/redis';
import { SecretStore, newSecretUid } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';
import { recordRoundTrips } from './support/redisRoundTrips';

/**
 * KmsKey.boundSecretCount for a token confined to path prefixes: exact counts by whole path
 * segments (`team-a` admits `team-a` and `team-a/…`, not `team-ab/…`), overlapping prefixes counted
 * once, and for a page of keys one pipelined round trip of index counts — no paging through
 * secrets (which used to cap the count silently).
 */
let stack: Stack;
let redis: RedisClient;
let store: SecretStore;
beforeAll(async () => {
  stack = await startStack({ label: 'bound-count', kms: true, secrets: true });
  redis = stack.services.get('secrets')!.redis;
  store = new SecretStore(redis);
});
afterAll(() => stack.stop());

const LAYOUT: [key: string, prefix: string, n: number][] = [
  ['cnt-1', 'team-a/x/', 100],
  ['cnt-1', 'team-a/', 50],
  ['cnt-1', 'team-ab/', 30],
  ['cnt-1', 'team-b/', 80],
  ['cnt-1', 'other/', 40],
  ['cnt-2', 'team-a/k2/', 20],
  ['cnt-2', 'team-b/k2/', 7],
  ['cnt-2', 'team-c/', 9],
];

it('counts exactly within overlapping prefixes, for many keys in one pipelined round trip', async () => {
  let region = '';
  for (const identity of ['cnt-1', 'cnt-2', 'cnt-3']) {
    region = (await stack.ok(`mutation { createKmsKey(input: { identity: "${identity}", type: AES256_GCM96 }) { region } }`)).createKmsKey.region;
  }
  const project = 'default'; // the root token's project
  const create = (path: string, kmsKeyIdentity: string) =>
    store.createSecret({ project, path, region, kmsKeyIdentity, description: null, tags: [], maxVersions: 10, uid: newSecretUid() });
  await create('team-a', 'cnt-1'); // the prefix itself is admitted
  for (const [key, prefix, n] of LAYOUT) {
    await Promise.all(Array.from({ length: n }, (_, i) => create(`${prefix}${String(i).padStart(3, '0')}`, key)));
  }
  // Sanity: the secrets are the project's (root sees them all).
  const all = await stack.ok('{ a: kmsKey(identity: "cnt-1") { boundSecretCount } b: kmsKey(identity: "cnt-2") { boundSecretCount } }');
  expect(all).toEqual({ a: { boundSecretCount: 301 }, b: { boundSecretCount: 36 } });

  const QUERY = '{ kmsKeys(first: 50) { nodes { identity boundSecretCount } } }';
  const counts = async (pathPrefixes: string[]) => {
    const t = await stack.token(['secrets:read', 'kms:read'], { pathPrefixes });
    const r = await stack.ok(QUERY, {}, { token: t.token });
    return Object.fromEntries(
      r.kmsKeys.nodes.filter((n: { identity: string }) => n.identity.startsWith('cnt-')).map((n: { identity: string; boundSecretCount: number }) => [n.identity, n.boundSecretCount]),
    );
  };

  // Overlapping and redundant prefixes (with and without the trailing slash) count each path once.
  expect(await counts(['team-a/', 'team-a/x', 'team-a', 'team-a/x/', 'team-b/'])).toEqual({ 'cnt-1': 1 + 100 + 50 + 80, 'cnt-2': 20 + 7, 'cnt-3': 0 });
  // Whole segments: team-a does not admit team-ab/…
  expect(await counts(['team-ab'])).toEqual({ 'cnt-1': 30, 'cnt-2': 0, 'cnt-3': 0 });
  expect(await counts(['team-a/x/', 'team-c'])).toEqual({ 'cnt-1': 100, 'cnt-2': 9, 'cnt-3': 0 });
  expect(await counts(['team-a/x/0'])).toEqual({ 'cnt-1': 0, 'cnt-2': 0, 'cnt-3': 0 });
  expect(await counts(['team-a/x/007', 'nowhere'])).toEqual({ 'cnt-1': 1, 'cnt-2': 0, 'cnt-3': 0 });

  // Cost: the counts of every key of the page are index counts only — no secret read, no paging.
  const t = await stack.token(['secrets:read', 'kms:read'], { pathPrefixes: ['team-a', 'team-b/', 'team-c/'] });
  const { result: r, sent, pipelines } = await recordRoundTrips(redis, () => stack.ok(QUERY, {}, { token: t.token }));
  const got = Object.fromEntries(r.kmsKeys.nodes.filter((n: { identity: string }) => n.identity.startsWith('cnt-')).map((n: { identity: string; boundSecretCount: number }) => [n.identity, n.boundSecretCount]));
  expect(got).toEqual({ 'cnt-1': 1 + 100 + 50 + 80, 'cnt-2': 20 + 7 + 9, 'cnt-3': 0 });
  // No listing of index ranges (the old page-by-page count); 3 keys × 3 prefixes × 2 ranges, one pipeline.
  expect(sent.filter((c) => c === 'zrangebylex')).toEqual([]);
  expect(sent.filter((c) => c === 'zlexcount')).toHaveLength(18);
  // All 18 in one round trip (one pipeline executed), whatever else shared it.
  const withCounts = pipelines.filter((p) => p.includes('zlexcount'));
  expect(withCounts).toHaveLength(1);
  expect(withCounts[0].filter((c) => c === 'zlexcount')).toHaveLength(18);
});
