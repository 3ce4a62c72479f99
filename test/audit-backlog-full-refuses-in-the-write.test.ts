import { AuditLog, type AuditEventInput } from '../shared/audit';
import { AuditBacklogFull, backlogFullKey } from '../shared/auditBacklog';
import { AuditFlow, AuditNotWritten } from '../shared/auditFlow';
import type { RedisClient } from '../shared/redis';
import { prefixedRedis } from './support/env';

// While the archiver flags a project's backlog as full, the log's own write scripts refuse its
// events and intents (no command of their own for the check): nothing is written, the operation
// fails closed with STORE_UNAVAILABLE, and a change already under way still gets its final event.
describe('a full audit backlog', () => {
  let redis: RedisClient;
  let close: () => Promise<void>;
  beforeAll(() => {
    ({ redis, close } = prefixedRedis('auditfull'));
  });
  afterAll(() => close());
  const ev = (project: string, i = 0): AuditEventInput => ({ action: 'kms.encrypt', outcome: 'SUCCESS', actor: 'token:t', project, resource: `kms-key:us-east-1/k${i}`, requestId: `req-${i}` });
  const length = (project: string) => redis.xlen(`audit:{${project}}`).catch(() => 0);

  function flow() {
    const refused: string[] = [];
    const notWritten: string[] = [];
    const f = new AuditFlow(new AuditLog(redis), { refused: (p) => refused.push(p) });
    f.onNotWritten = (where) => notWritten.push(where);
    return { f, refused, notWritten };
  }

  it('append, appendMany and begin write nothing and reject with AuditBacklogFull; other projects write', async () => {
    const log = new AuditLog(redis);
    await log.append(ev('bf-a'));
    await redis.set(backlogFullKey('bf-a'), '5');
    await expect(log.append(ev('bf-a', 1))).rejects.toBeInstanceOf(AuditBacklogFull);
    await expect(log.appendMany([ev('bf-a', 2), ev('bf-a', 3)])).rejects.toBeInstanceOf(AuditBacklogFull);
    await expect(log.begin(ev('bf-a', 4))).rejects.toBeInstanceOf(AuditBacklogFull);
    expect(await length('bf-a')).toBe(1);
    expect(await redis.exists('audit:{bf-a}:intents', 'audit:{bf-a}:by:requestId:=req-1')).toBe(0);
    await log.append(ev('bf-b'));
    expect(await length('bf-b')).toBe(1);
    // Once the flag goes, the project writes again.
    await redis.del(backlogFullKey('bf-a'));
    await log.append(ev('bf-a', 5));
    expect(await length('bf-a')).toBe(2);
  });

  it('an intent begun before the flag is still settled into its event', async () => {
    const log = new AuditLog(redis);
    const intent = await log.begin(ev('bf-c'));
    await redis.set(backlogFullKey('bf-c'), '5');
    expect(await log.settle(intent, ev('bf-c'))).toMatch(/^\d+-\d+$/);
    expect(await length('bf-c')).toBe(1);
  });

  it('read: the result is refused before its SUCCESS event (STORE_UNAVAILABLE), counted as read, the capacity told', async () => {
    const { f, refused, notWritten } = flow();
    await redis.set(backlogFullKey('bf-d'), '5');
    let ran = false;
    await expect(f.read(ev('bf-d'), async () => ((ran = true), { value: 'secret result' }))).rejects.toBeInstanceOf(AuditNotWritten);
    expect(ran).toBe(true);
    expect(await length('bf-d')).toBe(0);
    expect(notWritten).toEqual(['read']);
    expect(refused).toEqual(['bf-d']);
    await redis.del(backlogFullKey('bf-d'));
    expect(await f.read(ev('bf-d'), async () => ({ value: 'ok', keyVersion: 2 }))).toBe('ok');
    expect(await length('bf-d')).toBe(1);
  });

  it('record, recordMany and change fail closed; the change does not run', async () => {
    const { f, refused, notWritten } = flow();
    await redis.set(backlogFullKey('bf-e'), '5');
    await expect(f.record(ev('bf-e'))).rejects.toThrow(/unavailable/);
    await expect(f.recordMany([ev('bf-e', 1), ev('bf-e', 2)])).rejects.toBeInstanceOf(AuditNotWritten);
    let changed = false;
    await expect(f.change(ev('bf-e', 3), async () => ((changed = true), { value: 1 }))).rejects.toBeInstanceOf(AuditNotWritten);
    expect(changed).toBe(false);
    expect(await length('bf-e')).toBe(0);
    expect(await redis.exists('audit:{bf-e}:intents')).toBe(0);
    expect(notWritten).toEqual(['record', 'record', 'change']);
    expect(refused).toEqual(['bf-e', 'bf-e', 'bf-e']);
  });

  it('a damaged stream still fails the write as before, without telling the capacity', async () => {
    const { f, refused, notWritten } = flow();
    await redis.set('audit:{bf-f}', 'not a stream');
    await expect(f.read(ev('bf-f'), async () => ({ value: 1 }))).rejects.toBeInstanceOf(AuditNotWritten);
    expect(notWritten).toEqual(['record']);
    expect(refused).toEqual([]);
  });
});
