import { LastUseRecorder, type LastUseOptions } from '../../../shared/lastUse';
import type { AccessIndex } from './ports';
import type { RevealMeta } from './secret';

export type SecretAccessOptions = LastUseOptions;

/**
 * Secret.lastAccessedAt (and the index behind boundSecrets(accessedSince)): a secret's last
 * successful reveal, written at most once per window (shared/lastUse.ts). Keyed by incarnation
 * (uid): a secret recreated at the same path starts with no reveals.
 */
export class SecretAccess extends LastUseRecorder<RevealMeta> {
  constructor(store: Pick<AccessIndex, 'recordAccess' | 'lastAccessedMany'>, now: () => Date, opts: SecretAccessOptions = {}) {
    super(
      (s) => `${s.project}\u0000${s.path}\u0000${s.uid}`,
      { write: (s, at, windowMs) => store.recordAccess(s, at, windowMs), readMany: (ss) => store.lastAccessedMany([...ss]) },
      now,
      opts,
    );
  }

  lastAccessedMany(secrets: RevealMeta[]): Promise<(Date | null)[]> {
    return this.lastMany(secrets);
  }
}
