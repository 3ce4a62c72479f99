import { ApiError, quotaExceeded } from '../../../shared/errors';
import type { RedisClient } from '../../../shared/redis';
import { allIndexKey, boundIndexKey, storedBytesKey } from './keyLayout';
import type { SecretCommands } from './secretCommands';

export interface SecretQuotaLimits {
  /** Secrets per project (QUOTA_SECRETS; 0 = no limit). */
  secrets?: number;
  /** Value bytes per project (QUOTA_STORED_BYTES; 0 = no limit). */
  storedBytes?: number;
}

/**
 * The secrets and storedBytes quotas of a project. Both live in the project's index slot, not in a
 * secret's, so they follow the indexes' order of writes: the place is taken BEFORE the secret or
 * value is written (concurrent writers can never pass a quota), and given back after a delete,
 * a destroy or a failed write. A crash in between leaves the count above the truth, never below:
 * the bound errs towards refusing. Values stored before the quota existed count 0 bytes.
 */
export class SecretQuotas {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: SecretCommands,
    private readonly limits: SecretQuotaLimits = {},
  ) {}

  /** Indexes a new secret's path (see secretIndexes.ts); QUOTA_EXCEEDED when the project is at its secrets quota. */
  async indexNew(s: { project: string; path: string; region: string; kmsKeyIdentity: string }): Promise<void> {
    const max = this.limits.secrets ?? 0;
    const ok = await this.scripts.indexNew({ allIndex: allIndexKey(s.project), boundIndex: boundIndexKey(s.project, s.region, s.kmsKeyIdentity), path: s.path, maxSecrets: max });
    if (!ok) throw quotaExceeded('secrets', max);
  }

  /** Takes `bytes` of the project's storedBytes quota; QUOTA_EXCEEDED when that would pass it. */
  async reserveBytes(project: string, bytes: number): Promise<void> {
    if (bytes <= 0) return;
    const max = this.limits.storedBytes ?? 0;
    if (!(await this.scripts.reserveBytes({ counter: storedBytesKey(project), bytes, max }))) throw quotaExceeded('storedBytes', max);
  }

  /**
   * Gives bytes back. The change that freed them has already happened, so a failure here must not
   * fail it: the count then stays too high (towards refusing), never too low.
   */
  async freeBytes(project: string, bytes: number): Promise<void> {
    if (bytes <= 0) return;
    await this.redis.decrby(storedBytesKey(project), bytes).catch(() => undefined);
  }

  /**
   * Gives back the bytes of a write that failed, unless the failure was the store's own: then the
   * write may have happened, and the bytes stay counted (towards refusing).
   */
  async freeBytesUnlessUncertain(project: string, bytes: number, err: unknown): Promise<void> {
    if (err instanceof ApiError) await this.freeBytes(project, bytes);
  }
}
