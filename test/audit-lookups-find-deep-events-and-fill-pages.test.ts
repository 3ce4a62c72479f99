import { AuditLog, indexKey, type AuditEventInput } from '../shared/audit';
import { createRedis } from '../shared/redis';
import { testConfig } from './support/env';
import { startStack, type Stack } from './support/stack';

/**
 * `auditEvents` filtered by requestId, resource, actor or action reads that field's index, not
 * the stream: an event behind 20k newer ones (more than one request may scan of the stream) is
 * on the first page, and a filtered page is complete however far apart its matches lie.
 */
const NEWER = 20_010;

const ev = (i: number, over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  action: i % 2 ? 'secrets.get_value' : 'kms.decrypt', outcome: 'SUCCESS', actor: `token:${String(i % 7).padStart(16, '0')}`,
  project: 'acme', resource: `secret:noise/${i % 100}`, requestId: `noise-${i}`, ...over,
});

/** The real append path, many at a time (each append is one script; the client pipelines them). */
async function seed(audit: AuditLog, events: AuditEventInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += 2000) await Promise.all(events.slice(i, i + 2000).map((e) => audit.append(e)));
}

describe('audit lookups through the indexes', () => {
  const redis = createRedis(testConfig({}, 'audit-lookups').redis);
  const audit = new AuditLog(redis);
  afterAll(() => redis.quit());

  beforeAll(async () => {
    const events: AuditEventInput[] = [ev(-1, { requestId: 'deep-request', resource: 'secret:deep/one' })];
    for (let i = 0; i < NEWER; i++) {
      // Ten matches of `spread`, one per 2,000 events; the rest noise.
      events.push(i % 2000 === 1000 ? ev(i, { requestId: `spread-${i}`, resource: 'secret:spread/x', actor: 'token:00000000000000ee' }) : ev(i));
    }
    await seed(audit, events);
  }, 120_000);

  it('finds an event behind 20k newer ones on the first page', async () => {
    const page = await audit.query('acme', { requestId: 'deep-request' }, 10, null);
    expect(page.events.map((e) => [e.requestId, e.resource])).toEqual([['deep-request', 'secret:deep/one']]);
    expect(page.hasNextPage).toBe(false);
    // The same through the other indexed fields.
    expect((await audit.query('acme', { resource: 'secret:deep/one' }, 10, null)).events).toHaveLength(1);
  });

  it('a page of 10 with 10 matches spread over 20k events is complete, and says there is no more', async () => {
    const page = await audit.query('acme', { resource: 'secret:spread/x' }, 10, null);
    expect(page.events).toHaveLength(10);
    expect(page.hasNextPage).toBe(false);
    // Newest first, each exactly once.
    const ids = page.events.map((e) => e.requestId);
    expect(ids).toEqual([...new Set(ids)]);
    expect(ids[0]).toBe('spread-19000');
    expect(ids[9]).toBe('spread-1000');
  });

  it('pages through the matches with the cursor, and hasNextPage is true only while more remain', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const pages: boolean[] = [];
    for (let n = 0; n < 10; n++) {
      const page: Awaited<ReturnType<AuditLog['query']>> = await audit.query('acme', { actor: 'token:00000000000000ee' }, 3, after);
      seen.push(...page.events.map((e) => e.requestId));
      pages.push(page.hasNextPage);
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    expect(pages).toEqual([true, true, true, false]);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
  });

  it('combines fields, since/until and a predicate, and still fills the page', async () => {
    const all = await audit.query('acme', { resource: 'secret:spread/x' }, 10, null);
    // Two fields: the rarer index is read, the other field is checked on each event.
    const both = await audit.query('acme', { resource: 'secret:spread/x', action: 'kms.decrypt' }, 10, null);
    expect(both.events.map((e) => e.requestId)).toEqual(all.events.filter((e) => e.action === 'kms.decrypt').map((e) => e.requestId));
    expect(both.events.length).toBeGreaterThan(0);
    // A time window, by the events' stream ids.
    const t = (e: { id: string }) => Number(e.id.split('-')[0]);
    const third = all.events[2];
    const window = await audit.query('acme', { resource: 'secret:spread/x', until: new Date(t(third)), since: new Date(t(third)) }, 10, null);
    expect(window.events.map((e) => e.id)).toContain(third.id);
    expect(window.events.every((e) => t(e) === t(third))).toBe(true);
    // A predicate (as path confinement is) over a large index: 10 of ~10k entries pass, the page still fills.
    const confined = await audit.query('acme', { action: 'kms.decrypt', predicate: (e) => e.resource === 'secret:spread/x' }, 10, null);
    expect(confined.events.map((e) => e.id)).toEqual(all.events.map((e) => e.id));
    expect(confined.hasNextPage).toBe(false);
  });

  it('a filter value matching nothing returns an empty page at once', async () => {
    expect(await audit.query('acme', { requestId: 'never-seen' }, 10, null)).toEqual({ events: [], endCursor: null, hasNextPage: false });
  });

  it('long or unusual values are named by their hash: key names stay short, lookups still exact', async () => {
    const long = `secret:${'deep/'.repeat(100)}x`;
    const odd = 'secret:a b{c}';
    await audit.append(ev(0, { resource: long, requestId: 'long-1' }));
    await audit.append(ev(0, { resource: odd, requestId: 'odd-1' }));
    for (const v of [long, odd]) expect(indexKey('acme', 'resource', v).length).toBeLessThan(100);
    expect((await audit.query('acme', { resource: long }, 10, null)).events.map((e) => e.requestId)).toEqual(['long-1']);
    expect((await audit.query('acme', { resource: odd }, 10, null)).events.map((e) => e.requestId)).toEqual(['odd-1']);
  });
});

describe('trimming archived events takes their index entries along', () => {
  const redis = createRedis(testConfig({}, 'audit-trim').redis);
  const audit = new AuditLog(redis);
  afterAll(() => redis.quit());

  it('removes events up to the given id and their index keys; the rest stay findable', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++) ids.push(await audit.append(ev(i, { project: 'trim', requestId: `r-${i}`, resource: `secret:t/${i % 3}` })));
    const removed = await audit.trimArchived('trim', ids[1099]);
    expect(removed).toBe(1100);
    expect(await redis.exists(indexKey('trim', 'requestId', 'r-5'), indexKey('trim', 'requestId', 'r-1099'))).toBe(0);
    expect(await redis.zcard(indexKey('trim', 'resource', 'secret:t/0'))).toBe(33);
    expect((await audit.query('trim', { requestId: 'r-1100' }, 10, null)).events).toHaveLength(1);
    expect((await audit.query('trim', { requestId: 'r-1099' }, 10, null)).events).toHaveLength(0);
    const rest = await audit.query('trim', { resource: 'secret:t/1' }, 1000, null);
    expect(rest.events.every((e) => Number(e.requestId.slice(2)) >= 1100)).toBe(true);
    expect(rest.events).toHaveLength(33);
  });
});

describe('an event and its index entries are written together or not at all', () => {
  const redis = createRedis(testConfig({}, 'audit-atomic').redis);
  const audit = new AuditLog(redis);
  afterAll(() => redis.quit());

  it('an index key that cannot take the entry fails the append and the settle before anything is written', async () => {
    await redis.set(indexKey('atomic', 'requestId', 'blocked'), 'not a sorted set');
    await audit.append(ev(1, { project: 'atomic', requestId: 'fine' }));
    await expect(audit.append(ev(2, { project: 'atomic', requestId: 'blocked' }))).rejects.toThrow(/WRONGTYPE/);
    const intent = await audit.begin(ev(3, { project: 'atomic', requestId: 'blocked' }));
    await expect(audit.settle(intent, intent.event)).rejects.toThrow(/WRONGTYPE/);
    const all = await audit.query('atomic', {}, 10, null);
    expect(all.events.map((e) => e.requestId)).toEqual(['fine']);
    expect(await redis.zcard(indexKey('atomic', 'action', 'kms.decrypt'))).toBe(0);
    // The intent is still there, so the change it stands for is never unaudited.
    expect(await redis.hlen('audit:{atomic}:intents')).toBe(1);
  });
});

describe('auditEvents through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'audit-lookups-gw' });
  });
  afterAll(() => stack.stop());

  it('filtered by requestId, finds an event behind 20k newer ones on the first page', async () => {
    const project = (await stack.ok(`{ viewer { project } }`)).viewer.project as string;
    const audit = stack.services.get('platform')!.audit;
    const events = [ev(-1, { project, requestId: 'gw-deep', resource: 'secret:gw/deep' })];
    for (let i = 0; i < NEWER; i++) events.push(ev(i, { project }));
    await seed(audit, events);
    const data = await stack.ok(`{ auditEvents(first: 10, filter: { requestId: "gw-deep" }) { nodes { requestId resource } pageInfo { hasNextPage } } }`);
    expect(data.auditEvents).toEqual({ nodes: [{ requestId: 'gw-deep', resource: 'secret:gw/deep' }], pageInfo: { hasNextPage: false } });
  }, 120_000);
});
