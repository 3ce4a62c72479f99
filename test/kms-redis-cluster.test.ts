import { Cluster } from 'ioredis';
import { testConfig } from './support/env';
import { RedisClusterFixture } from './support/redisCluster';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/** The KMS store unchanged on a real 3-node Redis Cluster: Lua per key (one hash tag), fan-out reads, lock. */
const cluster = new RedisClusterFixture();
let h: KmsHarness;
let nowMs = Date.parse('2026-05-01T00:00:00.000Z');
beforeAll(async () => {
  await cluster.start();
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1', REDIS_CLUSTER_NODES: cluster.nodesSpec }, 'kms-cluster'), { now: () => new Date(nowMs) });
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await cluster.stop();
});

it('lifecycle, crypto, listing, entity batches and the sweeper work across slots', async () => {
  expect(h.services.redis).toBeInstanceOf(Cluster);
  for (let i = 0; i < 12; i++) await h.ok(Q.create, { input: { identity: `c-${i}`, type: 'AES256_GCM96', autoRotatePeriodDays: i === 0 ? 1 : null } });
  expect(failure(await h.gql(Q.create, { input: { identity: 'c-1', type: 'AES256_GCM96' } }))).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
  const ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'c-3', plaintext: b64('cluster') } })).encrypt.ciphertext;
  await h.ok(Q.rotate, { id: 'c-3' });
  expect((await h.ok(Q.decrypt, { input: { keyIdentity: 'c-3', ciphertext: ct } })).decrypt.plaintext).toBe(b64('cluster'));
  await h.ok(Q.disable, { id: 'c-5' });
  expect((await h.ok(Q.list, { status: 'DISABLED' })).kmsKeys.nodes).toEqual([{ identity: 'c-5', status: 'DISABLED' }]);
  expect((await h.ok(Q.list, { first: 100 })).kmsKeys.nodes).toHaveLength(12);
  const reps = Array.from({ length: 12 }, (_, i) => ({ __typename: 'KmsKey', region: 'us-east-1', identity: `c-${i}` }));
  const ents = (await h.ok(`query($r: [_Any!]!) { _entities(representations: $r) { ... on KmsKey { identity versions { version } } } }`, { r: reps }))._entities;
  expect(ents.map((e: any) => e.identity)).toEqual(reps.map((r) => r.identity));
  expect(ents[3].versions).toHaveLength(2);

  await h.ok(Q.schedule, { id: 'c-7', days: 7 });
  nowMs += 8 * 86_400_000;
  const sweep = await h.sweeper.runOnce();
  expect(sweep).toMatchObject({ ran: true, destroyed: ['default/c-7'], rotated: ['default/c-0'] });
});
