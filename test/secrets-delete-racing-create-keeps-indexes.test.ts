import { testConfig } from './support/env';
import { createRedis } from '../shared/redis';
import { SecretStore, indexKeyNames, newSecretUid } from '../subgraphs/secrets/store/secretStore';

/**
 * deleteSecret of the old secret at a path racing createSecret of a new one at the same path: the
 * index keys live in another slot than the secret, so they are updated outside its script. Whoever
 * wins, a secret that exists afterwards is in the all-secrets index and in its key's bound index.
 * The store runs both on one connection, so the interleaving that used to drop the new entry
 * (delete script → create's index write → delete's index removal → create script) happens every time.
 */
const config = testConfig({}, 'sec-del-create-race');
const redis = createRedis(config.redis);
const store = new SecretStore(redis);
afterAll(() => redis.quit());

const project = 'race';
const create = (path: string, kmsKeyIdentity: string) =>
  store.createSecret({ project, path, region: 'us-east-1', kmsKeyIdentity, description: null, tags: [], maxVersions: 10, uid: newSecretUid() });

async function indexed(path: string, kmsKeyIdentity: string): Promise<{ all: boolean; bound: boolean }> {
  const k = indexKeyNames(project, { region: 'us-east-1', identity: kmsKeyIdentity });
  const [all, bound] = await Promise.all([redis.zscore(k.all, path), redis.zscore(k.bound!, path)]);
  return { all: all !== null, bound: bound !== null };
}

test.each([
  ['the same key', 'k-old'],
  ['another key', 'k-new'],
])('500 deletes racing a create on the same path (new secret bound to %s): every live secret stays indexed', async (_, newKey) => {
  const paths = Array.from({ length: 500 }, (_, i) => `race/${newKey}/${i}`);
  await Promise.all(paths.map((p) => create(p, 'k-old')));
  const results = await Promise.all(
    paths.map(async (p) => {
      const [deleted, created] = await Promise.allSettled([store.deleteSecret(project, p), create(p, newKey)]);
      return { deleted, created };
    }),
  );
  const missing: string[] = [];
  for (const [i, p] of paths.entries()) {
    const live = await store.getMeta(project, p);
    const { created } = results[i];
    if (created.status === 'rejected') expect((created.reason as { code?: string }).code).toBe('ALREADY_EXISTS');
    if (!live) continue;
    const idx = await indexed(p, live.kmsKeyIdentity);
    if (!idx.all || !idx.bound) missing.push(`${p} ${JSON.stringify(idx)}`);
  }
  expect(missing).toEqual([]);
  // The listing and the count see every live secret.
  const live = (await store.getMetaMany(project, paths)).filter((s) => s !== null);
  expect(live.length).toBeGreaterThan(0);
  const byKey = live.filter((s) => s!.kmsKeyIdentity === newKey).length;
  const [count] = await store.boundSecretCounts(project, [{ region: 'us-east-1', identity: newKey }]);
  expect(count).toBeGreaterThanOrEqual(byKey);
});
