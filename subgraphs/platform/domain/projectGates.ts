import { badInput } from '../../../shared/errors';
import type { FeatureGateState } from '../../../shared/featureGates';
import type { Principal } from '../../../shared/principal';
import { FEATURES, isFeature, type Feature } from '../../../shared/scopes';
import type { GateSettings } from './ports';
import { projectResource, targetProject } from './tokenPolicy';

/**
 * `feature-gate:<project>/<feature>` for audit resources. Only validated names reach the log, so
 * a denied caller cannot write arbitrary strings there.
 */
export function gateResource(callerProject: string, project: string | null | undefined, feature: string): string {
  return `feature-gate:${projectResource(project, callerProject).slice('project:'.length)}/${isFeature(feature) ? feature : '<invalid>'}`;
}

/** Which gate a change switches. */
export interface GateTarget {
  project: string;
  feature: Feature;
}

/** A project's feature gates: anyone with a token reads its own; admins switch them. */
export class ProjectGates {
  constructor(private readonly store: GateSettings) {}

  of(project: string): Promise<FeatureGateState> {
    return this.store.get(project);
  }

  /**
   * The gate a setFeatureGate call names: BAD_USER_INPUT for an unknown feature or a bad project
   * name, FORBIDDEN for another project unless `caller` is root (tokenPolicy.targetProject).
   */
  target(caller: Principal, feature: string, project: string | null | undefined): GateTarget {
    if (!isFeature(feature)) throw badInput(`feature must be one of ${FEATURES.join(', ')}`);
    return { project: targetProject(caller, project), feature };
  }

  set(target: GateTarget, enabled: boolean): Promise<FeatureGateState> {
    return this.store.set(target.project, target.feature, enabled);
  }
}
