import { testConfig } from '../../../test/support/env';
import { createRedis } from '../../../shared/redis';
import { SecretStore, newSecretUid, secretKeyNames } from './secretStore';

const config = testConfig({}, 'sec-states');
const redis = createRedis(config.redis);
const store = new SecretStore(redis);
afterAll(() => redis.quit());

const P = 'acme';
let n = 0;
async function secretWithVersions(count: number, maxVersions = 100): Promise<string> {
  const path = `svc/states-${++n}`;
  await store.createSecret({ project: P, path, region: 'us-east-1', kmsKeyIdentity: 'k1', description: null, tags: [], maxVersions, uid: newSecretUid() });
  for (let i = 0; i < count; i++) {
    await store.putVersion(P, path, null, async (r) => ({ ciphertext: `kms:v1:CT${r.version}`, kmsKeyVersion: 1 }));
  }
  return path;
}

const states = async (path: string) => (await store.listVersions(P, path, 100)).nodes.map((v) => `${v.version}:${v.state}`);

test('maxVersions destroys the oldest beyond it and erases their ciphertext from Redis', async () => {
  const path = await secretWithVersions(5, 3);
  expect(await states(path)).toEqual(['5:ENABLED', '4:ENABLED', '3:ENABLED', '2:DESTROYED', '1:DESTROYED']);
  const raw = await redis.hgetall(secretKeyNames(P, path).values);
  expect(Object.keys(raw).sort()).toEqual(['3', '4', '5']);
  expect(JSON.stringify(await redis.hgetall(secretKeyNames(P, path).versions))).not.toContain('CT1');
  expect((await store.getVersion(P, path, 1))!.ciphertext).toBeNull();
});

test('shrinking maxVersions by update destroys the oldest at once', async () => {
  const path = await secretWithVersions(4);
  const s = await store.updateSecret(P, path, { maxVersions: 1, description: 'rotated daily', tags: [{ key: 'env', value: 'prod' }] });
  expect(s).toMatchObject({ maxVersions: 1, description: 'rotated daily', tags: [{ key: 'env', value: 'prod' }], currentVersion: 4 });
  expect(await states(path)).toEqual(['4:ENABLED', '3:DESTROYED', '2:DESTROYED', '1:DESTROYED']);
  expect(Object.keys(await redis.hgetall(secretKeyNames(P, path).values))).toEqual(['4']);
  // description null clears it; omitted fields stay.
  const cleared = await store.updateSecret(P, path, { description: null });
  expect(cleared).toMatchObject({ description: null, maxVersions: 1, tags: [{ key: 'env', value: 'prod' }] });
});

test('deleted versions count towards maxVersions (they keep their ciphertext)', async () => {
  const path = await secretWithVersions(2, 2);
  await store.deleteVersions(P, path, [1]);
  await store.putVersion(P, path, null, async () => ({ ciphertext: 'kms:v1:CT3', kmsKeyVersion: 1 }));
  expect(await states(path)).toEqual(['3:ENABLED', '2:ENABLED', '1:DESTROYED']);
});

test('delete is soft and reversible; destroy erases the ciphertext for good and cannot be undeleted', async () => {
  const path = await secretWithVersions(3);
  const afterDelete = await store.deleteVersions(P, path, [2, 3]);
  expect(afterDelete.currentVersion).toBe(3); // currentVersion never moves back
  expect(await states(path)).toEqual(['3:DELETED', '2:DELETED', '1:ENABLED']);
  expect(await redis.hget(secretKeyNames(P, path).values, '2')).toBe('kms:v1:CT2');

  await store.undeleteVersions(P, path, [2]);
  expect(await states(path)).toEqual(['3:DELETED', '2:ENABLED', '1:ENABLED']);
  expect((await store.getVersion(P, path, 2))!.ciphertext).toBe('kms:v1:CT2');

  await store.destroyVersions(P, path, [2, 3]);
  expect(await states(path)).toEqual(['3:DESTROYED', '2:DESTROYED', '1:ENABLED']);
  expect(await redis.hkeys(secretKeyNames(P, path).values)).toEqual(['1']);
  expect(await redis.zrange(secretKeyNames(P, path).live, 0, -1)).toEqual(['1']);
  await expect(store.undeleteVersions(P, path, [3])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  // Repeating a transition is a no-op.
  await store.destroyVersions(P, path, [3]);
  await store.deleteVersions(P, path, [3]);
  expect(await states(path)).toEqual(['3:DESTROYED', '2:DESTROYED', '1:ENABLED']);
});

test('an unknown version makes the whole call NOT_FOUND and changes nothing', async () => {
  const path = await secretWithVersions(2);
  await expect(store.deleteVersions(P, path, [1, 7])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(await states(path)).toEqual(['2:ENABLED', '1:ENABLED']);
  await expect(store.destroyVersions(P, 'svc/absent', [1])).rejects.toMatchObject({ code: 'NOT_FOUND' });
});

test('readValue resolves the current version in one call and reports deleted/destroyed states', async () => {
  const path = await secretWithVersions(2);
  const cur = await store.readValue(P, path, null);
  expect(cur.secret!.path).toBe(path);
  expect(cur.version).toMatchObject({ version: 2, state: 'ENABLED', ciphertext: 'kms:v1:CT2' });
  await store.deleteVersions(P, path, [2]);
  expect((await store.readValue(P, path, null)).version).toMatchObject({ version: 2, state: 'DELETED' });
  expect((await store.readValue(P, path, 9)).version).toBeNull();
  expect(await store.readValue(P, 'svc/absent', null)).toEqual({ secret: null, version: null });
});

test('listVersions pages newest first with an opaque cursor', async () => {
  const path = await secretWithVersions(5);
  const p1 = await store.listVersions(P, path, 2);
  expect(p1.nodes.map((v) => v.version)).toEqual([5, 4]);
  expect(p1.hasNextPage).toBe(true);
  const p2 = await store.listVersions(P, path, 2, p1.endCursor);
  expect(p2.nodes.map((v) => v.version)).toEqual([3, 2]);
  const p3 = await store.listVersions(P, path, 2, p2.endCursor);
  expect(p3.nodes.map((v) => v.version)).toEqual([1]);
  expect(p3.hasNextPage).toBe(false);
  await expect(store.listVersions(P, path, 2, 'not a cursor')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  await expect(store.listVersions(P, 'svc/absent', 2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
});
