import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { Principal } from './types';

@Resolver()
export class ViewerResolver {
  @Query(() => Principal, { description: 'The calling token: needs only a valid token' })
  viewer(@Ctx() ctx: RequestContext): Principal {
    const p = ctx.principal;
    return { id: p.tokenId, project: p.project, scopes: p.scopes, pathPrefixes: p.pathPrefixes };
  }
}
