import { Cluster } from 'ioredis';
import { AuditLog } from '../shared/audit';
import { FeatureGates } from '../shared/featureGates';
import { createRedis, type RedisClient } from '../shared/redis';
import { TokenStore, tokenRecordMac } from '../shared/tokens';
import { testConfig } from './support/env';
import { RedisClusterFixture } from './support/redisCluster';

/** The same stores on a real 3-node Redis Cluster via REDIS_CLUSTER_NODES. */
describe('platform stores on Redis Cluster', () => {
  const cluster = new RedisClusterFixture();
  let redis: RedisClient;
  beforeAll(async () => {
    await cluster.start();
    redis = createRedis(testConfig({ REDIS_CLUSTER_NODES: cluster.nodesSpec }, 'cluster').redis);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await cluster.stop();
  });

  it('the factory builds a Cluster client from REDIS_CLUSTER_NODES', () => {
    expect(redis).toBeInstanceOf(Cluster);
  });

  it('tokens, gates and the audit log work across slots', async () => {
    const tokens = new TokenStore(redis, null, tokenRecordMac('t'.repeat(40)));
    const made = [];
    for (let i = 0; i < 20; i++) {
      made.push(await tokens.create({ name: `t${i}`, project: 'cl', scopes: ['audit:read'], pathPrefixes: null, expiresAt: null }));
    }
    const auth = await tokens.authenticate(`Bearer ${made[7].token}`);
    expect(auth.ok && auth.principal.project).toBe('cl');
    expect((await tokens.list('cl')).length).toBe(20);
    // A chain across slots: the link and revocation scripts run in each creator's slot.
    const child = await tokens.create({ name: 'child', project: 'cl', scopes: ['audit:read'], pathPrefixes: null, expiresAt: null, ancestors: [made[3].record.id] });
    const grandchild = await tokens.create({ name: 'gc', project: 'cl', scopes: ['audit:read'], pathPrefixes: null, expiresAt: null, ancestors: [made[3].record.id, child.record.id] });
    expect((await tokens.authenticate(`Bearer ${grandchild.token}`)).ok).toBe(true);
    expect(await tokens.revoke('cl', made[3].record.id)).toEqual([child.record.id, grandchild.record.id].map((id) => ({ id, project: 'cl' })));
    for (const t of [made[3], child, grandchild]) expect((await tokens.authenticate(`Bearer ${t.token}`)).ok).toBe(false);
    expect((await tokens.authenticate(`Bearer ${made[4].token}`)).ok).toBe(true);

    const rootToken = `root_${'r'.repeat(40)}`;
    const withRoot = new TokenStore(redis, rootToken, tokenRecordMac('t'.repeat(40)));
    const auth0 = await withRoot.authenticate(`Bearer ${rootToken}`);
    const underRoot = await withRoot.create({ name: 'r', project: 'cl', scopes: ['admin'], pathPrefixes: null, expiresAt: null, ancestors: auth0.ok ? auth0.principal.lineage : [] });
    expect(await withRoot.revokeRoot()).toEqual([{ id: underRoot.record.id, project: 'cl' }]);
    expect(await withRoot.authenticate(`Bearer ${rootToken}`)).toEqual({ ok: false, reason: 'revoked', project: 'default', tokenId: 'root' });
    expect((await withRoot.authenticate(`Bearer ${underRoot.token}`)).ok).toBe(false);

    const gates = new FeatureGates(redis);
    expect(await gates.set('cl', 'kms', false)).toEqual({ secrets: true, kms: false });

    const audit = new AuditLog(redis);
    for (let i = 0; i < 5; i++) {
      await audit.append({ action: 'auth.denied', outcome: 'DENIED', actor: 'token:x', project: `p${i}`, resource: 'r', requestId: `q${i}` });
    }
    const page = await audit.query('p3', {}, 10, null);
    expect(page.events.map((e) => e.requestId)).toEqual(['q3']);
  });
});
