import { regionUnavailable } from '../../../shared/errors';
import type { KmsClient } from '../../../shared/kmsClient';
import type { RegionRegistry } from '../../../shared/regions';
import type { BoundKeyRef } from './ports';

/** Retry-After of a region without a KMS, as the gateway's entity fetch gives it. */
const NO_ENDPOINT_RETRY_AFTER_S = 60;

export interface KeyStatusCall {
  caller: { tokenId: string; project: string };
  requestId: string;
  deadline?: number;
}

/**
 * Secret.kmsKey { status } of a page, read live from each region's KMS: one call per region for
 * all of the page's keys there (the internal keyStatuses route), answering exactly what the
 * gateway's `_entities` fetch to that region would: null for a key that does not exist or a region
 * the registry does not know; REGION_UNAVAILABLE for a region without a KMS, down, or behind an
 * open breaker; a KMS error (FEATURE_DISABLED…) with its code. `admit` is the caller's gate and
 * scope check for one region, run before that region's call (a refusal is every key's error there).
 */
export class KeyStatusReads {
  constructor(
    private readonly kms: Pick<KmsClient, 'keyStatuses'>,
    private readonly regions: RegionRegistry,
  ) {}

  async many(call: KeyStatusCall, keys: readonly BoundKeyRef[], admit: (region: string) => Promise<void>): Promise<(string | null | Error)[]> {
    const out: (string | null | Error)[] = new Array(keys.length).fill(null);
    const byRegion = new Map<string, number[]>();
    keys.forEach((k, i) => {
      if (!this.regions.has(k.region)) return;
      const at = byRegion.get(k.region);
      if (at) at.push(i);
      else byRegion.set(k.region, [i]);
    });
    await Promise.all(
      [...byRegion].map(async ([region, at]) => {
        try {
          if (!this.regions.get(region)?.kmsUrl) throw regionUnavailable(region, NO_ENDPOINT_RETRY_AFTER_S);
          await admit(region);
          const statuses = await this.kms.keyStatuses({ region, identities: at.map((i) => keys[i].identity), ...call });
          at.forEach((i, j) => (out[i] = statuses[j]));
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          for (const i of at) out[i] = e;
        }
      }),
    );
    return out;
  }
}
