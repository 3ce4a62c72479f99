import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { AuditEvent } from '../../../shared/audit';
import type { RequestContext } from '../../../shared/context';
import { pathAllowedBy } from '../../../shared/principal';
import { badInput, toApiError } from '../../../shared/errors';
import { AuditEventConnection, AuditEventFilterInput, AuditOutcome } from './types';

const CURSOR_RE = /^\d{1,20}-\d{1,20}$/;

function parseTime(name: string, v: string | null | undefined): Date | null {
  if (v === null || v === undefined) return null;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw badInput(`filter.${name} must be an ISO-8601 time`);
  return new Date(t);
}

const SECRET_RESOURCE = 'secret:';

/**
 * A token confined to path prefixes sees no `secret:<path>` events outside them (the path itself
 * would leak). Applied inside the query's scan, so pages still fill up.
 */
function confinement(prefixes: string[] | null): ((e: AuditEvent) => boolean) | null {
  if (!prefixes || prefixes.length === 0) return null;
  return (e) => !e.resource.startsWith(SECRET_RESOURCE) || pathAllowedBy(prefixes, e.resource.slice(SECRET_RESOURCE.length));
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: "Audit events of the caller's project, newest first; a path-confined token sees no secret events outside its prefixes. Needs audit:read; BAD_USER_INPUT for a bad filter time, `first` or `after`." })
  async auditEvents(
    @Arg('filter', () => AuditEventFilterInput, { nullable: true, description: 'Only matching events; null: every event.' }) filter: AuditEventFilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: 'Page size: 1 to 1000 (BAD_USER_INPUT otherwise); null means 100.' }) firstArg: number | null,
    @Arg('after', () => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditEventConnection> {
    await ctx.requireScope(`audit:${ctx.project}`, 'audit:read');
    const first = firstArg ?? 100;
    if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput('first must be between 1 and 1000');
    let cursor: string | null = null;
    if (after !== null && after !== undefined) {
      cursor = Buffer.from(after, 'base64url').toString('utf8');
      if (!CURSOR_RE.test(cursor)) throw badInput('after is not a valid cursor');
    }
    const f = filter ?? {};
    try {
      // Changes whose audit event never settled (store failure mid-change) appear as OUTCOME_UNKNOWN.
      await ctx.services.audit.recoverStale(ctx.project);
      const page = await ctx.services.audit.query(
        ctx.project,
        {
          action: f.action, resource: f.resource, actor: f.actor, requestId: f.requestId,
          since: parseTime('since', f.since), until: parseTime('until', f.until), predicate: confinement(ctx.principal.pathPrefixes),
        },
        first,
        cursor,
      );
      return {
        nodes: page.events.map((e) => ({
          ...e,
          outcome: e.outcome as AuditOutcome,
          via: e.via ?? null,
          region: e.region ?? null,
          errorCode: e.errorCode ?? null,
          keyVersion: e.keyVersion ?? null,
        })),
        pageInfo: { endCursor: page.endCursor ? Buffer.from(page.endCursor).toString('base64url') : null, hasNextPage: page.hasNextPage },
      };
    } catch (err) {
      throw toApiError(err);
    }
  }
}
