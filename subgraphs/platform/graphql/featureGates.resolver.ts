import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, badInput } from '../../../shared/errors';
import { FEATURES, isFeature } from '../../../shared/scopes';
import { projectResource, targetProject } from '../domain/tokenPolicy';
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
    // Only validated names reach the audit log: a denied caller cannot write arbitrary strings there.
    const resource = `feature-gate:${projectResource(project, ctx.project).slice('project:'.length)}/${isFeature(feature) ? feature : '<invalid>'}`;
    await ctx.requireScope(resource, 'admin');
    if (!isFeature(feature)) throw badInput(`feature must be one of ${FEATURES.join(', ')}`);
    let target: string;
    try {
      target = targetProject(ctx.principal, project);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORBIDDEN') await ctx.deny(e, resource);
      throw e;
    }
    return ctx.auditedChange('platform.feature_gate', `feature-gate:${target}/${feature}`, async () => ({ value: await ctx.services.gates.set(target, feature, enabled) }), { project: target, region: null });
  }
}
