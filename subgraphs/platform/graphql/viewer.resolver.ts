import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { Principal } from './types';

@Resolver()
export class ViewerResolver {
  @Query(() => Principal, { description: 'The calling token: its principal id, project, scopes and path confinement. Needs only a valid token (UNAUTHENTICATED otherwise).' })
  viewer(@Ctx() ctx: RequestContext): Principal {
    const p = ctx.principal;
    return { id: p.tokenId, project: p.project, scopes: p.scopes, pathPrefixes: p.pathPrefixes };
  }
}
