import { LastUseRecorder, type LastUseOptions } from '../../../shared/lastUse';
import type { KeyRef, KeyUseLog } from './ports';

export type KeyUsageOptions = LastUseOptions;

/** KmsKey.lastUsedAt: a key's last successful crypto operation, written at most once per window (shared/lastUse.ts). */
export class KeyUsage extends LastUseRecorder<KeyRef> {
  constructor(store: KeyUseLog, now: () => Date, opts: KeyUsageOptions = {}) {
    super(
      (r) => `${r.region}\u0000${r.project}\u0000${r.identity}`,
      { write: (ref, at, windowMs) => store.recordUse(ref, at, windowMs), readMany: (refs) => store.lastUsedMany(refs) },
      now,
      opts,
    );
  }

  lastUsedMany(refs: readonly KeyRef[]): Promise<(Date | null)[]> {
    return this.lastMany(refs);
  }
}
