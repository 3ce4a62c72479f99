import { validateProjectName } from './identifiers';
import type { RedisClient } from './redis';
import type { Feature } from './scopes';

export type FeatureGateState = Record<Feature, boolean>;

/**
 *   gates:{<project>}   hash — field per feature, '0' when switched off (any other value, or none: on)
 * Checked here so a project outside the shared rule can never become a hash tag. The same hash tag
 * as the project's rate-limit keys (shared/rateLimit.ts), whose script reads the gates as it counts.
 */
export const gatesKey = (project: string) => `gates:{${validateProjectName(project)}}`;
/** The fields read, in this order, by every reader of the gates. */
export const GATE_FIELDS = ['secrets', 'kms'] as const;

/** The gates from the HMGET of GATE_FIELDS. */
export function gateState([secrets, kms]: readonly (string | null | undefined)[]): FeatureGateState {
  return { secrets: secrets !== '0', kms: kms !== '0' };
}

/** One HMGET of a project's gates (FeatureGates.get, and the rate limiter when no limit is set). */
export async function readGates(redis: RedisClient, project: string): Promise<FeatureGateState> {
  return gateState(await redis.hmget(gatesKey(project), ...GATE_FIELDS));
}

/** Per-project feature gates `secrets` and `kms`; both on unless switched off. */
export class FeatureGates {
  constructor(private readonly redis: RedisClient) {}

  async get(project: string): Promise<FeatureGateState> {
    return readGates(this.redis, project);
  }

  async set(project: string, feature: Feature, enabled: boolean): Promise<FeatureGateState> {
    await this.redis.hset(gatesKey(project), feature, enabled ? '1' : '0');
    return this.get(project);
  }
}
