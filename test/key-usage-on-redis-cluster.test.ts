import type { SecretAccess } from '../subgraphs/secrets/domain/secretAccess';
import { RedisClusterFixture } from './support/redisCluster';
import { startStack, type Stack } from './support/stack';

/**
 * lastUsedAt, lastAccessedAt, accessedSince (plain and confined) and KEY_IN_USE on a real
 * 3-master Redis Cluster: the use records, their reads and the accessed-since scripts each stay
 * within one hash tag, and batched reads across slots come back in order.
 */
const cluster = new RedisClusterFixture();
let stack: Stack;
beforeAll(async () => {
  await cluster.start();
  stack = await startStack({ label: 'cluster-usage', kms: true, secrets: true, env: { REDIS_CLUSTER_NODES: cluster.nodesSpec } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await cluster.stop();
});

it('records and reads key and secret use on the cluster', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "cu-key", type: AES256_GCM96 }) { identity } }');
  await stack.ok('mutation { createKmsKey(input: { identity: "cu-idle", type: AES256_GCM96 }) { identity } }');
  const paths = ['a/1', 'a/2', 'b/1', 'b/2'];
  for (const p of paths) await stack.ok(`mutation { createSecret(input: { path: "${p}", kmsKeyIdentity: "cu-key", value: "v" }) { path } }`);
  await stack.ok('{ batchGetSecretValue(paths: ["a/2", "b/1", "b/2"]) { value } }');
  await (stack.running.get('secrets') as unknown as { access: SecretAccess }).access.idle();

  const r = await stack.ok(`{ kmsKeys(first: 10) { nodes { identity lastUsedAt
    boundSecretCount(accessedSince: "2000-01-01T00:00:00Z")
    boundSecrets(accessedSince: "2000-01-01T00:00:00Z", first: 2) { nodes { path lastAccessedAt } pageInfo { hasNextPage } } } } }`);
  const byId = Object.fromEntries(r.kmsKeys.nodes.map((n: { identity: string }) => [n.identity, n]));
  expect(byId['cu-key'].lastUsedAt).toEqual(expect.any(String));
  expect(byId['cu-key'].boundSecretCount).toBe(3);
  expect(byId['cu-key'].boundSecrets.nodes.map((n: { path: string }) => n.path)).toEqual(['a/2', 'b/1']);
  expect(byId['cu-key'].boundSecrets.nodes.every((n: { lastAccessedAt: string | null }) => n.lastAccessedAt !== null)).toBe(true);
  expect(byId['cu-key'].boundSecrets.pageInfo.hasNextPage).toBe(true);
  expect(byId['cu-idle']).toMatchObject({ lastUsedAt: null, boundSecretCount: 0 });

  const t = await stack.token(['secrets:read', 'kms:read'], { pathPrefixes: ['b'] });
  const confined = await stack.ok('{ kmsKey(identity: "cu-key") { boundSecretCount(accessedSince: "2000-01-01") } }', {}, { token: t.token });
  expect(confined.kmsKey.boundSecretCount).toBe(2);

  const refused = await stack.gql('mutation { disableKmsKey(identity: "cu-key", ifUnusedSinceDays: 7) { status } }');
  expect({ status: refused.status, code: refused.body.errors?.[0]?.extensions?.code }).toEqual({ status: 409, code: 'KEY_IN_USE' });
  expect((await stack.ok('mutation { disableKmsKey(identity: "cu-idle", ifUnusedSinceDays: 7) { status } }')).disableKmsKey.status).toBe('DISABLED');
}, 60_000);
