import { validateProjectName } from './identifiers';
import type { RedisClient } from './redis';
import type { Feature } from './scopes';

export type FeatureGateState = Record<Feature, boolean>;

// Checked here so a project outside the shared rule can never become a hash tag.
const gatesKey = (project: string) => `gates:{${validateProjectName(project)}}`;

/** Per-project feature gates `secrets` and `kms`; both on unless switched off. */
export class FeatureGates {
  constructor(private readonly redis: RedisClient) {}

  async get(project: string): Promise<FeatureGateState> {
    const [secrets, kms] = await this.redis.hmget(gatesKey(project), 'secrets', 'kms');
    return { secrets: secrets !== '0', kms: kms !== '0' };
  }

  async set(project: string, feature: Feature, enabled: boolean): Promise<FeatureGateState> {
    await this.redis.hset(gatesKey(project), feature, enabled ? '1' : '0');
    return this.get(project);
  }
}
