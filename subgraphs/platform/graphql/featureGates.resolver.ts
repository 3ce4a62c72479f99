import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { ApiError, serviceDeadlinePassed } from '../../../shared/errors';
import type { Platform } from '../domain/platform';
import { gateResource, type GateTarget } from '../domain/projectGates';
import { FeatureGates } from './types';

/** featureGates, setFeatureGate. */
@Resolver()
export class FeatureGatesResolver {
  constructor(private readonly platform: Platform) {}

  @Query(() => FeatureGates, { description: "Feature gates of the caller's project. Needs only a valid token." })
  async featureGates(@Ctx() ctx: RequestContext): Promise<FeatureGates> {
    return this.platform.gates.of(ctx.project);
  }

  @Mutation(() => FeatureGates, { description: 'Turns a feature on or off for a project and returns its gates. Needs admin; BAD_USER_INPUT for an unknown feature, FORBIDDEN for another project unless root.' })
  async setFeatureGate(
    @Arg('feature', () => String, { description: 'The feature: `secrets` or `kms`.' }) feature: string,
    @Arg('enabled', () => Boolean, { description: 'True to enable, false to disable.' }) enabled: boolean,
    @Arg('project', () => String, { nullable: true, description: "Project to change: only the root token may name another project. Null: the caller's project." }) project: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<FeatureGates> {
    const resource = gateResource(ctx.project, project, feature);
    await ctx.requireScope(resource, 'admin');
    let target: GateTarget;
    try {
      target = this.platform.gates.target(ctx.principal, feature, project);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORBIDDEN') await ctx.deny(e, resource);
      throw e;
    }
    return ctx.auditedChange('platform.feature_gate', `feature-gate:${target.project}/${target.feature}`, async () => {
      // Past the caller's deadline nothing is written (a 503 means no change).
      ctx.assertBeforeDeadline(() => serviceDeadlinePassed('platform'));
      return { value: await this.platform.gates.set(target, enabled) };
    }, { project: target.project, region: null });
  }
}
