import { testConfig } from '../../../test/support/env';
import { recordRoundTrips } from '../../../test/support/redisRoundTrips';
import { createRedis } from '../../../shared/redis';
import { SecretStore, indexKeyNames, newSecretUid, secretKeyNames } from './secretStore';
import type { SecretMeta as Secret } from '../domain/secret';

const config = testConfig({}, 'sec-list');
const redis = createRedis(config.redis);
const store = new SecretStore(redis);
afterAll(() => redis.quit());

let n = 0;
const project = () => `proj-${++n}`;
const create = (p: string, path: string, region = 'us-east-1', kmsKeyIdentity = 'k1') =>
  store.createSecret({ project: p, path, region, kmsKeyIdentity, description: null, tags: [], maxVersions: 100, uid: newSecretUid() });
const paths = (xs: Secret[]) => xs.map((s) => s.path);

async function walk(p: string, opts: { pathPrefix?: string; region?: string; kmsKeyIdentity?: string }, first: number) {
  const out: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await store.listSecrets(p, { ...opts, first, after });
    out.push(...paths(page.nodes));
    if (!page.hasNextPage) return out;
    after = page.endCursor;
  }
  throw new Error('pagination does not end');
}

test('lists a project in path order with prefix and cursor pagination', async () => {
  const p = project();
  for (const path of ['b/x', 'a/2', 'a/1', 'a/10', 'ab', 'c']) await create(p, path);
  await create('other', 'a/zzz');
  expect(await walk(p, {}, 2)).toEqual(['a/1', 'a/10', 'a/2', 'ab', 'b/x', 'c']);
  expect(await walk(p, { pathPrefix: 'a/' }, 2)).toEqual(['a/1', 'a/10', 'a/2']);
  expect(await walk(p, { pathPrefix: 'a' }, 10)).toEqual(['a/1', 'a/10', 'a/2', 'ab']);
  const one = await store.listSecrets(p, { pathPrefix: 'a/', first: 3 });
  expect(one.hasNextPage).toBe(false);
  const none = await store.listSecrets(p, { pathPrefix: 'zz', first: 3 });
  expect(none).toEqual({ nodes: [], hasNextPage: false, endCursor: null });
});

test('filters by region, by key, by both, and by token path prefixes', async () => {
  const p = project();
  await create(p, 'eu/1', 'eu-west-1', 'k1');
  await create(p, 'eu/2', 'eu-west-1', 'k2');
  await create(p, 'us/1', 'us-east-1', 'k1');
  await create(p, 'us/2', 'us-east-1', 'k1');
  expect(await walk(p, { region: 'eu-west-1' }, 1)).toEqual(['eu/1', 'eu/2']);
  expect(await walk(p, { kmsKeyIdentity: 'k1' }, 1)).toEqual(['eu/1', 'us/1', 'us/2']);
  expect(await walk(p, { region: 'us-east-1', kmsKeyIdentity: 'k1', pathPrefix: 'us/2' }, 1)).toEqual(['us/2']);
  const confined = await store.listSecrets(p, { first: 10, allowedPrefixes: ['us/'] });
  expect(paths(confined.nodes)).toEqual(['us/1', 'us/2']);
});

test('a page of 200 secrets costs a constant number of round trips', async () => {
  const p = project();
  await Promise.all(Array.from({ length: 210 }, (_, i) => create(p, `bulk/${String(i).padStart(3, '0')}`)));
  const { result: page, sent, pipelines } = await recordRoundTrips(redis, () => store.listSecrets(p, { first: 200 }));
  expect(page.nodes).toHaveLength(200);
  expect(page.hasNextPage).toBe(true);
  // One index range, then the 201 metadata reads in ONE round trip (two round trips in all):
  // on a single node one script call reads all 201 hashes (no HGETALL per secret).
  expect(sent.filter((c) => c === 'zrangebylex')).toHaveLength(1);
  expect(sent.filter((c) => c === 'hgetall')).toHaveLength(0);
  expect(sent.filter((c) => c === 'evalsha' || c === 'eval')).toHaveLength(1);
  expect(sent).toHaveLength(2);
  // Each went out as its own batch (auto-pipelined): two round trips, not one per secret.
  expect(pipelines.length).toBeLessThanOrEqual(2);
  const metas = await store.getMetaMany(p, ['bulk/000', 'nope', 'bulk/209']);
  expect(metas.map((m) => m?.path ?? null)).toEqual(['bulk/000', null, 'bulk/209']);
  // More than one script call's worth (250 keys each), still in order, absent ones null.
  const wanted = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 && i < 420 ? `bulk/${String(i / 2).padStart(3, '0')}` : `none/${i}`));
  const many = await store.getMetaMany(p, wanted);
  expect(many.map((m) => m?.path ?? null)).toEqual(wanted.map((w) => (w.startsWith('bulk/') ? w : null)));
});

test('bound-key index: boundSecrets, counts and first pages for many keys at once', async () => {
  const p = project();
  const k1 = { region: 'us-east-1', identity: 'k1' };
  const k2 = { region: 'us-east-1', identity: 'k2' };
  const k1eu = { region: 'eu-west-1', identity: 'k1' };
  for (const path of ['s/1', 's/2', 's/3']) await create(p, path, 'us-east-1', 'k1');
  await create(p, 's/4', 'us-east-1', 'k2');
  expect(await store.boundSecretCounts(p, [k1, k2, k1eu])).toEqual([3, 1, 0]);
  const first = await store.boundSecrets(p, k1, 2);
  expect(paths(first.nodes)).toEqual(['s/1', 's/2']);
  const rest = await store.boundSecrets(p, k1, 2, first.endCursor);
  expect(paths(rest.nodes)).toEqual(['s/3']);
  expect(rest.hasNextPage).toBe(false);
  const many = await store.boundSecretsMany(p, [{ ...k1, first: 2 }, { ...k2, first: 5 }, { ...k1eu, first: 5 }]);
  expect(many.map((pg) => [paths(pg.nodes), pg.hasNextPage])).toEqual([
    [['s/1', 's/2'], true],
    [['s/4'], false],
    [[], false],
  ]);
  await store.deleteSecret(p, 's/2');
  expect(await store.boundSecretCounts(p, [k1])).toEqual([2]);
});

test('deleteSecret removes the secret, its versions and index entries; the path can be created again', async () => {
  const p = project();
  await create(p, 'db/pw', 'us-east-1', 'k1');
  await expect(create(p, 'db/pw', 'us-east-1', 'k2')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  // The failed create left no entry in k2's index.
  expect(await store.boundSecretCounts(p, [{ region: 'us-east-1', identity: 'k2' }])).toEqual([0]);
  await store.putVersion(p, 'db/pw', null, async () => ({ ciphertext: 'kms:v1:XXXX', kmsKeyVersion: 1 }));
  expect(await store.deleteSecret(p, 'db/pw')).toBe(true);
  expect(await store.deleteSecret(p, 'db/pw')).toBe(false);
  for (const key of Object.values(secretKeyNames(p, 'db/pw'))) expect(await redis.exists(key)).toBe(0);
  expect(await redis.zcard(indexKeyNames(p).all)).toBe(0);
  expect(await store.getMeta(p, 'db/pw')).toBeNull();
  const again = await create(p, 'db/pw', 'eu-west-1', 'k2');
  expect(again).toMatchObject({ region: 'eu-west-1', kmsKeyIdentity: 'k2', currentVersion: null });
  expect(paths((await store.listSecrets(p, { first: 10 })).nodes)).toEqual(['db/pw']);
  expect(await store.boundSecretCounts(p, [{ region: 'us-east-1', identity: 'k1' }, { region: 'eu-west-1', identity: 'k2' }])).toEqual([0, 1]);
});

test('create with a first value stores version 1 atomically', async () => {
  const p = project();
  const s = await store.createSecret({
    project: p, path: 'x', region: 'us-east-1', kmsKeyIdentity: 'k1', description: 'd', tags: [{ key: 'a', value: 'b' }],
    maxVersions: 5, uid: 'uid-1', firstVersion: { ciphertext: 'kms:v2:FIRST', kmsKeyVersion: 2 },
  });
  expect(s).toMatchObject({ currentVersion: 1, description: 'd', tags: [{ key: 'a', value: 'b' }], maxVersions: 5, uid: 'uid-1' });
  expect(await store.getVersion(p, 'x', 1)).toMatchObject({ state: 'ENABLED', kmsKeyVersion: 2, ciphertext: 'kms:v2:FIRST' });
  expect((await store.putVersion(p, 'x', 1, async (r) => ({ ciphertext: `c${r.version}`, kmsKeyVersion: 2 }))).version).toBe(2);
});

test('repairIndexes rebuilds missing and removes stale index entries', async () => {
  const p = project();
  for (const path of ['r/1', 'r/2', 'r/3']) await create(p, path, 'us-east-1', 'k1');
  const idx = indexKeyNames(p, { region: 'us-east-1', identity: 'k1' });
  // Damage: lose entries, add dangling ones (as a crash between the two writes could).
  await redis.del(idx.all);
  await redis.zrem(idx.bound!, 'r/2');
  await redis.zadd(idx.bound!, 0, 'r/ghost');
  const stray = indexKeyNames(p, { region: 'eu-west-1', identity: 'k9' }).bound!;
  await redis.zadd(stray, 0, 'r/1');
  // Dangling entries are skipped by readers even before repair.
  expect(paths((await store.boundSecrets(p, { region: 'us-east-1', identity: 'k1' }, 10)).nodes)).toEqual(['r/1', 'r/3']);

  const res = await store.repairIndexes(p);
  expect(res).toEqual({ secrets: 3, added: 4, removed: 2 });
  expect(await redis.zrange(idx.all, 0, -1)).toEqual(['r/1', 'r/2', 'r/3']);
  expect(await redis.zrange(idx.bound!, 0, -1)).toEqual(['r/1', 'r/2', 'r/3']);
  expect(await redis.zcard(stray)).toBe(0);
  expect(await store.repairIndexes(p)).toEqual({ secrets: 3, added: 0, removed: 0 });
});

test('project names that could break the hash tag are refused', async () => {
  await expect(store.getMeta('a}b', 'x')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
});

test('a listed secret reads exactly as the secret read alone (every metadata field)', async () => {
  const p = project();
  await store.createSecret({
    project: p, path: 'full/a', region: 'eu-west-1', kmsKeyIdentity: 'k9', description: 'say "hi" \\ ü/✓',
    tags: [{ key: 'team', value: 'a"b' }], maxVersions: 7, uid: newSecretUid(),
  });
  await create(p, 'full/b');
  const listed = (await store.listSecrets(p, { first: 10 })).nodes;
  expect(listed).toEqual([await store.getMeta(p, 'full/a'), await store.getMeta(p, 'full/b')]);
  expect(listed[0]).toMatchObject({ region: 'eu-west-1', kmsKeyIdentity: 'k9', description: 'say "hi" \\ ü/✓', tags: [{ key: 'team', value: 'a"b' }], maxVersions: 7 });
});
