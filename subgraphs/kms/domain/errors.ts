import { ApiError, notFound } from '../../../shared/errors';

/** The KMS's client-facing errors whose message is written in more than one place. */

export const keyNotFound = (identity: string, region: string) => notFound(`No KMS key "${identity}" in ${region}`);

export const keyAlreadyExists = (identity: string, region: string) =>
  new ApiError('ALREADY_EXISTS', `A KMS key "${identity}" already exists in ${region}`);

export const versionNotFound = (version: number) => notFound(`Key version ${version} does not exist`);

export const invalidCiphertext = () =>
  new ApiError('INVALID_CIPHERTEXT', 'Ciphertext is malformed, tampered with, or not for this key, version or associated data');

export const concurrentChange = () => new ApiError('VERSION_CONFLICT', 'The key was changed concurrently; retry');

export const keyInUse = (days: number, lastUsedAt: Date) =>
  new ApiError('KEY_IN_USE', `The KMS key was used within the last ${days} days`, { lastUsedAt: lastUsedAt.toISOString() });

/** A create or rotate that found no free key-generation slot of its project within its deadline: nothing was generated or written. */
export const keyGenerationBusy = (region: string) =>
  new ApiError('REGION_UNAVAILABLE', `Key generation in ${region} is at this project's concurrency limit; nothing was changed`, { region, retryAfter: 1 });

/** A create or rotate whose key generation outlasted the caller's deadline: nothing was written (503 = no change). */
export const keyGenerationTimedOut = (region: string) =>
  new ApiError('REGION_UNAVAILABLE', `Key generation in ${region} did not finish in time; nothing was changed`, { region, retryAfter: 1 });

/** A key change that reached its commit after the caller's deadline: nothing was written (503 = no change). */
export const deadlinePassed = (region: string) =>
  new ApiError('REGION_UNAVAILABLE', `The change in ${region} did not finish in time; nothing was changed`, { region, retryAfter: 1 });
