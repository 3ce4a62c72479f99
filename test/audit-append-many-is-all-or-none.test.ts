import { AuditLog, type AuditEventInput } from '../shared/audit';
import type { RedisClient } from '../shared/redis';
import { prefixedRedis } from './support/env';

// A batch's events go in as one append: in order, each findable by its indexes; and when the log
// cannot take one of them (an index key of the wrong type), none of them is written.
describe('AuditLog.appendMany', () => {
  let redis: RedisClient;
  let close: () => Promise<void>;
  beforeAll(() => {
    ({ redis, close } = prefixedRedis('auditmany'));
  });
  afterAll(() => close());
  const ev = (i: number): AuditEventInput => ({ action: 'secrets.get_value', outcome: 'SUCCESS', actor: 'token:t', project: 'pm', resource: `secret:a/${i}`, requestId: 'req-1', keyVersion: 1 });

  it('writes every event in order, each indexed', async () => {
    const log = new AuditLog(redis);
    const ids = await log.appendMany([0, 1, 2].map(ev));
    expect(ids).toHaveLength(3);
    const page = await log.query('pm', { requestId: 'req-1' }, 10, null);
    expect(page.events.map((e) => e.resource).sort()).toEqual(['secret:a/0', 'secret:a/1', 'secret:a/2']);
    expect((await log.query('pm', { resource: 'secret:a/1' }, 10, null)).events).toHaveLength(1);
  });

  it('keeps each event its own fields, and every event under each of its shared indexes', async () => {
    const log = new AuditLog(redis);
    const events: AuditEventInput[] = [
      { ...ev(0), project: 'pq', requestId: 'req-2', region: 'us-east-1' },
      { ...ev(1), project: 'pq', requestId: 'req-2', region: 'eu-west-1', outcome: 'FAILURE', errorCode: 'NOT_FOUND', keyVersion: null },
      { ...ev(2), project: 'pq', requestId: 'req-2', region: 'us-east-1', keyVersion: 3 },
    ];
    await log.appendMany(events);
    const byRequest = (await log.query('pq', { requestId: 'req-2' }, 10, null)).events;
    const seen = byRequest.map(({ resource, outcome, region, errorCode, keyVersion, actor, action }) => ({ resource, outcome, region, errorCode, keyVersion, actor, action }));
    expect(seen.sort((a, b) => a.resource.localeCompare(b.resource))).toEqual([
      { resource: 'secret:a/0', outcome: 'SUCCESS', region: 'us-east-1', errorCode: null, keyVersion: 1, actor: 'token:t', action: 'secrets.get_value' },
      { resource: 'secret:a/1', outcome: 'FAILURE', region: 'eu-west-1', errorCode: 'NOT_FOUND', keyVersion: null, actor: 'token:t', action: 'secrets.get_value' },
      { resource: 'secret:a/2', outcome: 'SUCCESS', region: 'us-east-1', errorCode: null, keyVersion: 3, actor: 'token:t', action: 'secrets.get_value' },
    ]);
    expect((await log.query('pq', { actor: 'token:t' }, 10, null)).events).toHaveLength(3);
    expect((await log.query('pq', { action: 'secrets.get_value' }, 10, null)).events).toHaveLength(3);
    expect((await log.query('pq', { resource: 'secret:a/1' }, 10, null)).events.map((e) => e.outcome)).toEqual(['FAILURE']);
  });

  it('writes none when one key cannot take its entry', async () => {
    const log = new AuditLog(redis);
    await redis.set('audit:{pn}:by:resource:=secret:b/2', 'not a zset');
    const events = [0, 1, 2].map((i) => ({ ...ev(i), project: 'pn', resource: `secret:b/${i}` }));
    await expect(log.appendMany(events)).rejects.toThrow();
    expect(await redis.exists('audit:{pn}')).toBe(0);
  });
});
