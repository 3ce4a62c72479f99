import { ApiError, notFound } from '../../../shared/errors';
import type { Secret, SecretVersion, SecretVersionState } from './secret';

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
export function versionToRead(secret: Secret, requested: number | null | undefined): number {
  if (requested !== undefined && requested !== null) return requested;
  if (secret.currentVersion === null) throw notFound('This secret has no value yet');
  return secret.currentVersion;
}

/** Throws NOT_FOUND unless the version can be revealed. */
export function assertReadable(version: number, record: SecretVersion | null): asserts record is SecretVersion {
  if (!record) throw notFound(`This secret has no version ${version}`);
  if (record.state === 'DELETED') throw notFound(`Version ${version} of this secret is deleted`);
  if (record.state === 'DESTROYED') throw notFound(`Version ${version} of this secret is destroyed`);
}

export function versionConflict(expected: number, current: number | null): ApiError {
  return new ApiError('VERSION_CONFLICT', `expectedVersion ${expected} does not match the current version ${current ?? 0}`, {
    expectedVersion: expected,
    currentVersion: current ?? 0,
  });
}

/** The state a version moves to; null = the move is not allowed. */
export function nextState(action: VersionAction, from: SecretVersionState): SecretVersionState | null {
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
export function assertKeyUnchanged(secret: Secret, requested: string | null | undefined): void {
  if (requested === undefined || requested === null) return;
  if (requested !== secret.kmsKeyIdentity) {
    throw new ApiError('IMMUTABLE_FIELD', 'kmsKeyIdentity cannot be changed after create: to use a different KMS key, create a new secret at a new path', {
      field: 'kmsKeyIdentity',
    });
  }
}
