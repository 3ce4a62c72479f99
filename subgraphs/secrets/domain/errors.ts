import { ApiError, notFound } from '../../../shared/errors';

/**
 * The client-facing errors of Secrets Manager, worded once. Messages never name the path or a
 * value (the caller knows which one it asked for; logs and audit events must not learn it).
 */
export const secretNotFound = () => notFound('No secret at this path');
export const secretExists = (extra?: Record<string, unknown>) => new ApiError('ALREADY_EXISTS', 'A secret already exists at this path', extra);
export const noValueYet = () => notFound('This secret has no value yet');
export const versionNotFound = (version: number | string) => notFound(`This secret has no version ${version}`);
export const versionDeleted = (version: number) => notFound(`Version ${version} of this secret is deleted`);
export const versionDestroyed = (version: number) => notFound(`Version ${version} of this secret is destroyed`);
export const versionNotUndeletable = (version: number | string) => notFound(`Version ${version} of this secret is destroyed and cannot be undeleted`);
export { pathForbidden } from '../../../shared/errors';

/** expectedVersion did not match (compare-and-set). */
export function versionConflict(expected: number, current: number | null): ApiError {
  return new ApiError('VERSION_CONFLICT', `expectedVersion ${expected} does not match the current version ${current ?? 0}`, {
    expectedVersion: expected,
    currentVersion: current ?? 0,
  });
}

/** A put lost its reserved number (expired) or raced another writer: retrying is safe. */
export const reservationLost = (detail: string) => new ApiError('VERSION_CONFLICT', 'The write to this secret lost its version reservation; retry', { detail });
export const currentVersionChanged = (detail: string) => new ApiError('VERSION_CONFLICT', 'The current version of this secret changed; retry', { detail });

export const keyImmutable = () =>
  new ApiError('IMMUTABLE_FIELD', 'kmsKeyIdentity cannot be changed after create: to use a different KMS key, create a new secret at a new path', {
    field: 'kmsKeyIdentity',
  });
