import type { AuditEvent, AuditFilter } from '../../../shared/audit';
import type { Principal } from '../../../shared/principal';
import { AuditSearch, decodeCursor } from './auditSearch';
import type { AuditPage, AuditQueries } from './ports';

/** The domain's own audit port, in memory: newest first, the store's cursor is the event id. */
class InMemoryAudit implements AuditQueries {
  recovered: string[] = [];
  constructor(readonly events: AuditEvent[]) {}
  async recoverStale(project: string) {
    this.recovered.push(project);
    return 0;
  }
  async query(project: string, f: AuditFilter, first: number, after: string | null): Promise<AuditPage> {
    const all = this.events
      .filter((e) => e.project === project && (!f.action || e.action === f.action) && (!f.since || Date.parse(e.time) >= f.since.getTime()) && (!f.predicate || f.predicate(e)))
      .reverse();
    const start = after ? all.findIndex((e) => e.id === after) + 1 : 0;
    const events = all.slice(start, start + first);
    return { events, endCursor: events.length ? events[events.length - 1].id : null, hasNextPage: start + first < all.length };
  }
}

const ev = (i: number, resource: string, project = 'acme'): AuditEvent => ({
  id: `${1000 + i}-0`, time: new Date(1000 + i).toISOString(), action: 'secrets.get_value', outcome: 'SUCCESS', actor: 'root', project, resource, requestId: `r${i}`,
});
const caller = (pathPrefixes: string[] | null = null): Principal => ({ tokenId: '00000000000000aa', project: 'acme', scopes: ['audit:read'], pathPrefixes, root: false });
const log = () => new InMemoryAudit([ev(1, 'secret:team-a/db'), ev(2, 'secret:team-b/db'), ev(3, 'kms-key:us-east-1/k'), ev(4, 'secret:team-a/x'), ev(5, 'secret:team-a/y', 'other')]);

describe('audit search', () => {
  it('pages through the caller project with positions the next page accepts', async () => {
    const audit = log();
    const search = new AuditSearch(audit);
    const p1 = await search.page(caller(), { first: 2 });
    expect(p1.events.map((e) => e.requestId)).toEqual(['r4', 'r3']);
    expect(p1.endCursor).toBe('1003-0');
    const p2 = await search.page(caller(), { first: 2, after: p1.endCursor });
    expect(p2.events.map((e) => e.requestId)).toEqual(['r2', 'r1']);
    expect(p2.hasNextPage).toBe(false);
    expect(audit.recovered).toEqual(['acme', 'acme']);
  });

  it('a path-confined caller sees no secret events outside its prefixes', async () => {
    const page = await new AuditSearch(log()).page(caller(['team-a']), {});
    expect(page.events.map((e) => e.resource)).toEqual(['secret:team-a/x', 'kms-key:us-east-1/k', 'secret:team-a/db']);
  });

  it('refuses a bad first, cursor or time before touching the log', async () => {
    const audit = log();
    const search = new AuditSearch(audit);
    for (const first of [0, 1001, 1.5]) await expect(search.page(caller(), { first })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: 'first must be between 1 and 1000' });
    for (const after of ['nope', '1-2-3', '*']) {
      await expect(search.page(caller(), { after })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: 'after is not a valid cursor' });
    }
    await expect(search.page(caller(), { filter: { since: 'yesterday' } })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: 'filter.since must be an ISO-8601 time' });
    expect(audit.recovered).toEqual([]);
    expect(decodeCursor('12-0')).toBe('12-0');
    expect((await search.page(caller(), { first: null })).events).toHaveLength(4);
  });
});
