import { AuditLog, type AuditEventInput } from '../shared/audit';
import { createRedis, deleteByPrefix, type RedisClient } from '../shared/redis';
import { testConfig } from './support/env';

// A batch's events go in as one append: in order, each findable by its indexes; and when the log
// cannot take one of them (an index key of the wrong type), none of them is written.
describe('AuditLog.appendMany', () => {
  let redis: RedisClient;
  let raw: RedisClient;
  let prefix: string;
  beforeAll(() => {
    const cfg = testConfig({}, 'auditmany');
    prefix = cfg.redis.keyPrefix;
    redis = createRedis(cfg.redis);
    raw = createRedis({ ...cfg.redis, keyPrefix: '' });
  });
  afterAll(async () => {
    await deleteByPrefix(raw, prefix);
    redis.disconnect();
    raw.disconnect();
  });
  const ev = (i: number): AuditEventInput => ({ action: 'secrets.get_value', outcome: 'SUCCESS', actor: 'token:t', project: 'pm', resource: `secret:a/${i}`, requestId: 'req-1', keyVersion: 1 });

  it('writes every event in order, each indexed', async () => {
    const log = new AuditLog(redis);
    const ids = await log.appendMany([0, 1, 2].map(ev));
    expect(ids).toHaveLength(3);
    const page = await log.query('pm', { requestId: 'req-1' }, 10, null);
    expect(page.events.map((e) => e.resource).sort()).toEqual(['secret:a/0', 'secret:a/1', 'secret:a/2']);
    expect((await log.query('pm', { resource: 'secret:a/1' }, 10, null)).events).toHaveLength(1);
  });

  it('writes none when one key cannot take its entry', async () => {
    const log = new AuditLog(redis);
    await redis.set('audit:{pn}:by:resource:=secret:b/2', 'not a zset');
    const events = [0, 1, 2].map((i) => ({ ...ev(i), project: 'pn', resource: `secret:b/${i}` }));
    await expect(log.appendMany(events)).rejects.toThrow();
    expect(await redis.exists('audit:{pn}')).toBe(0);
  });
});
