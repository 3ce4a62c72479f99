import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, notFound } from '../../../shared/errors';
import { TokenStore, type TokenRecord } from '../../../shared/tokens';
import { grantFor, projectResource } from '../domain/tokenPolicy';
import { ApiTokenInfo, CreateApiTokenInput, CreatedApiToken } from './types';

const info = (r: TokenRecord): ApiTokenInfo => ({ ...r });

@Resolver()
export class TokensResolver {
  @Query(() => [ApiTokenInfo], { description: "Every API token of the caller's project, revoked ones included (never their values). Needs admin." })
  async apiTokens(@Ctx() ctx: RequestContext): Promise<ApiTokenInfo[]> {
    await ctx.requireScope(`project:${ctx.project}`, 'admin');
    return (await ctx.services.tokens.list(ctx.project)).map(info);
  }

  @Mutation(() => CreatedApiToken, { description: 'Creates an API token and returns its value once. Needs admin; BAD_USER_INPUT for invalid input, FORBIDDEN when it would exceed the caller (scope, paths, project).' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput, { description: 'The new token.' }) input: CreateApiTokenInput, @Ctx() ctx: RequestContext): Promise<CreatedApiToken> {
    const resource = projectResource(input.project, ctx.project);
    await ctx.requireScope(resource, 'admin');
    let grant;
    try {
      grant = grantFor(ctx.principal, input, ctx.services.now());
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORBIDDEN') await ctx.deny(e, resource);
      throw e;
    }
    // The token id is chosen up front so the audit intent can name it before the token exists.
    const id = TokenStore.newId();
    const { token, record } = await ctx.auditedChange('auth.token_created', `token:${id}`, async () => ({ value: await ctx.services.tokens.create(grant, id) }), { project: grant.project, region: null });
    if (record.project !== ctx.project) await ctx.audit('auth.token_created', `token:${record.id}`, 'SUCCESS', { region: null });
    return { token, info: info(record) };
  }

  @Mutation(() => Boolean, { description: "Revokes a token of the caller's project (the root token: any project) for good; it answers UNAUTHENTICATED from then on. Returns true. Needs admin; NOT_FOUND when no such token is in the project." })
  async revokeApiToken(@Arg('id', () => ID, { description: "The token's ApiTokenInfo.id." }) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.requireScope(/^[0-9a-f]{16}$/.test(id) ? `token:${id}` : 'token:<invalid>', 'admin');
    const rec = await ctx.services.tokens.get(id);
    // The root token may revoke tokens it bootstrapped in other projects; others only their own.
    if (!rec || (rec.project !== ctx.project && !ctx.principal.root)) throw notFound('No such token in this project');
    return ctx.auditedChange('auth.token_revoked', `token:${id}`, async () => ({ value: await ctx.services.tokens.revoke(rec.project, id) }), { project: rec.project, region: null });
  }
}
