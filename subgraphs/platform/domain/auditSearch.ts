import type { AuditEvent, AuditFilter } from '../../../shared/audit';
import { badInput } from '../../../shared/errors';
import { pathAllowedBy, type Principal } from '../../../shared/principal';
import type { AuditPage, AuditQueries } from './ports';

/** What a caller asks for; every field as it arrived, validated here. */
export interface AuditSearchRequest {
  filter?: {
    action?: string | null;
    resource?: string | null;
    actor?: string | null;
    requestId?: string | null;
    since?: string | null;
    until?: string | null;
  } | null;
  first?: number | null;
  after?: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** The store's cursor: a stream entry id, `<ms>-<seq>`. */
const CURSOR_RE = /^\d{1,20}-\d{1,20}$/;
const SECRET_RESOURCE = 'secret:';

export function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  return n;
}

/**
 * The store's position, as the resolver opened it from the client's sealed cursor
 * (shared/cursor.ts): only a well-formed stream id gets through.
 */
export function decodeCursor(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null;
  if (!CURSOR_RE.test(after)) throw badInput('after is not a valid cursor');
  return after;
}

export function parseTime(name: string, v: string | null | undefined): Date | null {
  if (v === null || v === undefined) return null;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw badInput(`filter.${name} must be an ISO-8601 time`);
  return new Date(t);
}

/**
 * A token confined to path prefixes sees no `secret:<path>` events outside them (the path itself
 * would leak). Applied inside the store's scan, so pages still fill up.
 */
export function confinement(prefixes: string[] | null): ((e: AuditEvent) => boolean) | null {
  if (!prefixes || prefixes.length === 0) return null;
  return (e) => !e.resource.startsWith(SECRET_RESOURCE) || pathAllowedBy(prefixes, e.resource.slice(SECRET_RESOURCE.length));
}

/** The caller's project's audit log, newest first, as far as the caller may see it. */
export class AuditSearch {
  constructor(private readonly log: AuditQueries) {}

  /** BAD_USER_INPUT for a bad `first`, `after` or filter time. `after` and the returned cursor are store positions. */
  async page(caller: Principal, req: AuditSearchRequest): Promise<AuditPage> {
    const first = pageSize(req.first);
    const after = decodeCursor(req.after);
    const f = req.filter ?? {};
    const filter: AuditFilter = {
      action: f.action, resource: f.resource, actor: f.actor, requestId: f.requestId,
      since: parseTime('since', f.since), until: parseTime('until', f.until), predicate: confinement(caller.pathPrefixes),
    };
    // Changes whose audit event never settled (store failure mid-change) appear as OUTCOME_UNKNOWN.
    await this.log.recoverStale(caller.project);
    return this.log.query(caller.project, filter, first, after);
  }
}
