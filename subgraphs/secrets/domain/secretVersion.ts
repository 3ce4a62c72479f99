import { keyImmutable, noValueYet, versionDeleted, versionDestroyed, versionNotFound } from './errors';
import type { SecretMeta, SecretVersionRecord, VersionState } from './secret';

/**
 * Version rules of the seed:
 * - numbers start at 1 and only grow; `currentVersion` is the highest number written (null before
 *   the first value) and does not move back when that version is deleted or destroyed;
 * - ENABLED → DELETED (soft, reversible by undelete) → DESTROYED (ciphertext erased, final);
 * - reading a DELETED, DESTROYED or absent version is NOT_FOUND. Reading without a version reads
 *   `currentVersion`; if that version is deleted or destroyed the read is NOT_FOUND (it does not
 *   fall back to an older version: a caller who deleted the current value must not silently get
 *   the previous one);
 * - `expectedVersion` is compare-and-set: 0 means "no value yet", n means currentVersion = n.
 * - delete/undelete/destroy act on a list of versions all-or-nothing: a version that was never
 *   written makes the whole call NOT_FOUND and changes nothing; repeating a transition is a no-op
 *   (deleting a DELETED version, destroying a DESTROYED one); undeleting a DESTROYED version is
 *   NOT_FOUND ("version destroyed"), since its value is gone.
 */
export type VersionAction = 'delete' | 'undelete' | 'destroy';

/** The version a read targets, or NOT_FOUND when the secret has no value yet. */
export function versionToRead(secret: Pick<SecretMeta, 'currentVersion'>, requested: number | null | undefined): number {
  if (requested !== undefined && requested !== null) return requested;
  if (secret.currentVersion === null) throw noValueYet();
  return secret.currentVersion;
}

/** Throws NOT_FOUND unless the version can be revealed. */
export function assertReadable(version: number, record: SecretVersionRecord | null): asserts record is SecretVersionRecord {
  if (!record) throw versionNotFound(version);
  if (record.state === 'DELETED') throw versionDeleted(version);
  if (record.state === 'DESTROYED') throw versionDestroyed(version);
}

/** The state a version moves to; null = the move is not allowed. */
export function nextState(action: VersionAction, from: VersionState): VersionState | null {
  switch (action) {
    case 'delete':
      return from === 'DESTROYED' ? 'DESTROYED' : 'DELETED';
    case 'undelete':
      return from === 'DESTROYED' ? null : 'ENABLED';
    case 'destroy':
      return 'DESTROYED';
  }
}

/** IMMUTABLE_FIELD when an update names a different KMS key than the one the secret is bound to. */
export function assertKeyUnchanged(secret: SecretMeta, requested: string | null | undefined): void {
  if (requested === undefined || requested === null) return;
  if (requested !== secret.kmsKeyIdentity) throw keyImmutable();
}
