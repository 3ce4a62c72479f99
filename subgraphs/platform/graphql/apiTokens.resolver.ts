import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, serviceDeadlinePassed } from '../../../shared/errors';
import { tokenResource, type PlannedToken } from '../domain/apiTokens';
import type { Platform } from '../domain/platform';
import type { TokenRecord } from '../domain/ports';
import { projectResource } from '../domain/tokenPolicy';
import { ApiTokenInfo, CreateApiTokenInput, CreatedApiToken } from './types';

const info = (r: TokenRecord): ApiTokenInfo => ({ ...r });
/** Cascade events written at once: bounded however many tokens a revocation took with it. */
const CASCADE_AUDIT_BATCH = 50;

/** apiTokens, createApiToken, revokeApiToken. */
@Resolver()
export class ApiTokensResolver {
  constructor(private readonly platform: Platform) {}

  @Query(() => [ApiTokenInfo], { description: "The API tokens of the caller's project, newest first, revoked ones included (never their values): at most the newest 1000. Needs admin." })
  async apiTokens(
    @Arg('first', () => Int, { nullable: true, defaultValue: 1000, description: 'How many of the newest tokens, 0 to 1000 (BAD_USER_INPUT otherwise); null: 1000.' }) first: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ApiTokenInfo[]> {
    await ctx.requireScope(`project:${ctx.project}`, 'admin');
    return (await this.platform.tokens.list(ctx.project, first ?? undefined)).map(info);
  }

  @Mutation(() => CreatedApiToken, { description: 'Creates an API token and returns its value once. Needs admin; BAD_USER_INPUT for invalid input, FORBIDDEN when it would exceed the caller (scope, paths, project).' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput, { description: 'The new token.' }) input: CreateApiTokenInput, @Ctx() ctx: RequestContext): Promise<CreatedApiToken> {
    const resource = projectResource(input.project, ctx.project);
    await ctx.requireScope(resource, 'admin');
    let planned: PlannedToken;
    try {
      planned = this.platform.tokens.plan(ctx.principal, input);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORBIDDEN') await ctx.deny(e, resource);
      throw e;
    }
    const { token, record } = await ctx.auditedChange('auth.token_created', `token:${planned.id}`, async () => {
      ctx.assertBeforeDeadline(() => serviceDeadlinePassed('platform'));
      return { value: await this.platform.tokens.create(planned) };
    }, { project: planned.grant.project, region: null });
    if (record.project !== ctx.project) await ctx.audit('auth.token_created', `token:${record.id}`, 'SUCCESS', { region: null });
    return { token, info: info(record) };
  }

  @Mutation(() => Boolean, { description: "Revokes a token of the caller's project (the root token: any project) for good, with every token it created, transitively; each answers UNAUTHENTICATED from then on. `root` revokes the configured root token (an admin of project default or the root itself may): that value answers UNAUTHENTICATED until a different ROOT_TOKEN is configured. Returns true. Needs admin; NOT_FOUND when no such token is in the project." })
  async revokeApiToken(@Arg('id', () => ID, { description: "The token's ApiTokenInfo.id, or `root`." }) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.requireScope(tokenResource(id), 'admin');
    const target = await this.platform.tokens.revocable(ctx.principal, id);
    const below = await ctx.auditedChange('auth.token_revoked', `token:${target.id}`, async () => {
      ctx.assertBeforeDeadline(() => serviceDeadlinePassed('platform'));
      return { value: await this.platform.tokens.revoke(target) };
    }, { project: target.project, region: null });
    if (below === null) return false;
    // Each token the cascade revoked gets its own event, in its own project, under this request id.
    for (let i = 0; i < below.length; i += CASCADE_AUDIT_BATCH) {
      await Promise.all(below.slice(i, i + CASCADE_AUDIT_BATCH).map((t) => ctx.audit('auth.token_revoked', `token:${t.id}`, 'SUCCESS', { project: t.project, region: null })));
    }
    return true;
  }
}
