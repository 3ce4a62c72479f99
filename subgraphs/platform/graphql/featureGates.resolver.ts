import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, badInput } from '../../../shared/errors';
import { FEATURES, isFeature } from '../../../shared/scopes';
import { targetProject } from '../domain/tokenPolicy';
import { FeatureGates } from './types';

@Resolver()
export class FeatureGatesResolver {
  @Query(() => FeatureGates, { description: "Feature gates of the caller's project" })
  async featureGates(@Ctx() ctx: RequestContext): Promise<FeatureGates> {
    return ctx.services.gates.get(ctx.project);
  }

  @Mutation(() => FeatureGates)
  async setFeatureGate(
    @Arg('feature', () => String) feature: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Arg('project', () => String, { nullable: true }) project: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<FeatureGates> {
    const resource = `feature-gate:${project ?? ctx.project}/${feature.slice(0, 32)}`;
    await ctx.requireScope(resource, 'admin');
    if (!isFeature(feature)) throw badInput(`feature must be one of ${FEATURES.join(', ')}`);
    let target: string;
    try {
      target = targetProject(ctx.principal, project);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORBIDDEN') await ctx.deny(e, resource);
      throw e;
    }
    const gates = await ctx.services.gates.set(target, feature, enabled);
    await ctx.audit('platform.feature_gate', `feature-gate:${target}/${feature}`, 'SUCCESS', { project: target, region: null });
    return gates;
  }
}
