import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, badInput } from '../../../shared/errors';
import { FEATURES, isFeature } from '../../../shared/scopes';
import { projectResource, targetProject } from '../domain/tokenPolicy';
import { FeatureGates } from './types';

@Resolver()
export class FeatureGatesResolver {
  @Query(() => FeatureGates, { description: "Feature gates of the caller's project. Needs only a valid token." })
  async featureGates(@Ctx() ctx: RequestContext): Promise<FeatureGates> {
    return ctx.services.gates.get(ctx.project);
  }

  @Mutation(() => FeatureGates, { description: 'Turns a feature on or off for a project and returns its gates. Needs admin; BAD_USER_INPUT for an unknown feature, FORBIDDEN for another project unless root.' })
  async setFeatureGate(
    @Arg('feature', () => String, { description: 'The feature: `secrets` or `kms`.' }) feature: string,
    @Arg('enabled', () => Boolean, { description: 'True to enable, false to disable.' }) enabled: boolean,
    @Arg('project', () => String, { nullable: true, description: "Project to change: only the root token may name another project. Null: the caller's project." }) project: string | null,
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
