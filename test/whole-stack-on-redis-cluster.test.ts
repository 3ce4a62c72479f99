import { Cluster } from 'ioredis';
import { RedisClusterFixture } from './support/redisCluster';
import { startStack, type Stack } from './support/stack';

/**
 * Every service on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES): the seed's flow, concurrent
 * puts, listings with kmsKey across the federation hop, audit and tokens all work unchanged,
 * because every multi-key write stays inside one hash tag.
 */
const cluster = new RedisClusterFixture();
let stack: Stack;
beforeAll(async () => {
  await cluster.start();
  stack = await startStack({ label: 'cluster', kms: true, secrets: true, env: { REDIS_CLUSTER_NODES: cluster.nodesSpec } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await cluster.stop();
});

it('runs the seed flow with every service on the cluster', async () => {
  for (const [name, services] of stack.services) expect({ name, cluster: services.redis instanceof Cluster }).toEqual({ name, cluster: true });
  const user = await stack.token(['kms:admin', 'kms:read', 'secrets:read', 'secrets:write', 'secrets:read_value', 'audit:read'], { project: 'cl-proj' });
  const as = { token: user.token };
  await stack.ok('mutation { createKmsKey(input: { identity: "cl-key", type: CHACHA20_POLY1305 }) { identity } }', {}, as);
  await stack.ok('mutation { createKmsKey(input: { identity: "cl-key", type: AES256_GCM96 }) { identity } }', {}, { ...as, region: 'eu-west-1' });
  for (let i = 0; i < 20; i++) {
    const region = i % 2 ? 'eu-west-1' : 'us-east-1';
    await stack.ok(`mutation { createSecret(input: { path: "cl/s${String(i).padStart(2, '0')}", kmsKeyIdentity: "cl-key", region: "${region}", value: "v-${i}" }) { path } }`, {}, as);
  }
  const puts = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    stack.ok(`mutation { putSecretValue(input: { path: "cl/s00", value: "p-${i}" }) { version } }`, {}, as)));
  expect(puts.map((p) => p.putSecretValue.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  expect((await stack.ok('{ getSecretValue(path: "cl/s07", version: 1) { value } }', {}, as)).getSecretValue.value).toBe('v-7');

  const page = await stack.ok('{ secrets(pathPrefix: "cl/", first: 50) { nodes { path region kmsKey { status boundSecretCount } } } }', {}, as);
  expect(page.secrets.nodes).toHaveLength(20);
  expect(page.secrets.nodes.every((n: { kmsKey: { status: string; boundSecretCount: number } }) => n.kmsKey.status === 'ACTIVE' && n.kmsKey.boundSecretCount === 10)).toBe(true);

  await stack.ok('mutation { disableKmsKey(identity: "cl-key") { status } }', {}, { ...as, region: 'eu-west-1' });
  const blocked = await stack.gql('{ getSecretValue(path: "cl/s01") { value } }', {}, as);
  expect({ status: blocked.status, code: blocked.body.errors?.[0].extensions?.code }).toEqual({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });

  const events = await stack.ok('{ auditEvents(first: 200) { nodes { action } } }', {}, as);
  const actions = new Set(events.auditEvents.nodes.map((e: { action: string }) => e.action));
  for (const a of ['kms.create_key', 'secrets.create', 'secrets.put_value', 'kms.encrypt', 'secrets.get_value', 'kms.decrypt', 'kms.disable_key']) expect(actions).toContain(a);
}, 60_000);
