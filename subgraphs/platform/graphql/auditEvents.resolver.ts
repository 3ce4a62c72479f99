import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { toApiError } from '../../../shared/errors';
import type { Platform } from '../domain/platform';
import { AuditEventConnection, AuditEventFilterInput, AuditOutcome } from './types';

/** auditEvents. */
@Resolver()
export class AuditEventsResolver {
  constructor(private readonly platform: Platform) {}

  @Query(() => AuditEventConnection, { description: "Audit events of the caller's project, newest first; a path-confined token sees no secret events outside its prefixes. Needs audit:read; BAD_USER_INPUT for a bad filter time, `first` or `after`." })
  async auditEvents(
    @Arg('filter', () => AuditEventFilterInput, { nullable: true, description: 'Only matching events; null: every event.' }) filter: AuditEventFilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: 'Page size: 1 to 1000 (BAD_USER_INPUT otherwise); null means 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditEventConnection> {
    await ctx.requireScope(`audit:${ctx.project}`, 'audit:read');
    try {
      const f = filter ?? {};
      const cursor = ctx.pageCursor('auditEvents', { action: f.action, resource: f.resource, actor: f.actor, requestId: f.requestId, since: f.since, until: f.until });
      const page = await this.platform.audit.page(ctx.principal, { filter, first, after: cursor.open(after) });
      return {
        nodes: page.events.map((e) => ({
          ...e,
          outcome: e.outcome as AuditOutcome,
          via: e.via ?? null,
          region: e.region ?? null,
          errorCode: e.errorCode ?? null,
          keyVersion: e.keyVersion ?? null,
          count: e.count ?? null,
        })),
        pageInfo: { endCursor: cursor.seal(page.endCursor), hasNextPage: page.hasNextPage },
      };
    } catch (err) {
      throw toApiError(err);
    }
  }
}
