import { GraphQLError } from 'graphql';

/** The error codes of API.md and their HTTP statuses: defined here once, used everywhere. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  FEATURE_DISABLED: 'FEATURE_DISABLED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  VERSION_CONFLICT: 'VERSION_CONFLICT',
  KMS_KEY_NOT_ACTIVE: 'KMS_KEY_NOT_ACTIVE',
  UNSUPPORTED_KEY_TYPE: 'UNSUPPORTED_KEY_TYPE',
  KEY_REGION_MISMATCH: 'KEY_REGION_MISMATCH',
  IMMUTABLE_FIELD: 'IMMUTABLE_FIELD',
  INVALID_CIPHERTEXT: 'INVALID_CIPHERTEXT',
  REGION_UNAVAILABLE: 'REGION_UNAVAILABLE',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** `ifUnusedSinceDays` given and the key was used within that window; `extensions.lastUsedAt`. */
  KEY_IN_USE: 'KEY_IN_USE',
  /** An `idempotencyKey` reused with a different input. */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** A token or project over its request rate; `Retry-After`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A project over a stored-object quota; `extensions.quota`. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** Added (not in API.md): a global subgraph (platform, secrets) cannot be reached. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  GRAPHQL_PARSE_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FEATURE_DISABLED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  VERSION_CONFLICT: 409,
  KMS_KEY_NOT_ACTIVE: 400,
  UNSUPPORTED_KEY_TYPE: 400,
  KEY_REGION_MISMATCH: 400,
  IMMUTABLE_FIELD: 400,
  INVALID_CIPHERTEXT: 400,
  REGION_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  KEY_IN_USE: 409,
  IDEMPOTENCY_CONFLICT: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/** Codes Apollo itself produces that we pass through with their own status. */
const APOLLO_CODES: Record<string, number> = {
  BAD_REQUEST: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
};

export function httpStatusFor(code: unknown): number {
  if (typeof code !== 'string') return 500;
  return (HTTP_STATUS as Record<string, number>)[code] ?? APOLLO_CODES[code] ?? 500;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in HTTP_STATUS;
}

/** A client-facing error: `extensions.code` from the table above plus any safe extra fields. */
export class ApiError extends GraphQLError {
  constructor(readonly code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extra, code } });
    this.name = 'ApiError';
  }
}

/** What a client is told of an unexpected failure: nothing internal. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
/** The one client-facing form of an unexpected failure. */
export const internalError = () => new ApiError('INTERNAL_SERVER_ERROR', INTERNAL_ERROR_MESSAGE);
/** The same, as a formatted error of a response (gateway answers built without throwing). */
export const internalFormattedError = (path?: readonly (string | number)[]) => ({
  message: INTERNAL_ERROR_MESSAGE,
  ...(path ? { path: [...path] } : {}),
  extensions: { code: 'INTERNAL_SERVER_ERROR' as const },
});
export const badInput = (message: string, extra?: Record<string, unknown>) => new ApiError('BAD_USER_INPUT', message, extra);
export const notFound = (message: string) => new ApiError('NOT_FOUND', message);
export const forbidden = (message: string) => new ApiError('FORBIDDEN', message);
/** A path-confined token outside its pathPrefixes (direct access, or a batch item). */
export const pathForbidden = () => forbidden('Token is not allowed on this path');
/**
 * A record whose stored MAC does not hold (altered in Redis): not usable, and nothing said about
 * what was found. The refusal is audited with errorCode RECORD_TAMPERED.
 */
export class RecordTampered extends ApiError {
  constructor() {
    super('FORBIDDEN', 'This record failed its integrity check and cannot be used');
  }
}
export const recordTampered = () => new RecordTampered();
export const unauthenticated = (message = 'Missing, unknown, expired or revoked token') => new ApiError('UNAUTHENTICATED', message);
export const featureDisabled = (feature: 'secrets' | 'kms') =>
  new ApiError('FEATURE_DISABLED', `The "${feature}" feature is disabled for this project`, { feature });
export const storeUnavailable = () => new ApiError('STORE_UNAVAILABLE', 'The data store is unavailable; nothing was changed');

/** A change of a global service that reached its commit after the caller's deadline: nothing was written. */
export const serviceDeadlinePassed = (service: string) =>
  new ApiError('SERVICE_UNAVAILABLE', `The ${service} service did not finish in time; nothing was changed`, { retryAfter: 1 });
/** The stored-object quotas of a project (config: QUOTA_*); `extensions.quota` names the one exceeded. */
export type QuotaName = 'keys' | 'keyVersions' | 'tokens' | 'secrets' | 'storedBytes';
export const quotaExceeded = (quota: QuotaName, limit: number) =>
  new ApiError('QUOTA_EXCEEDED', `The project is at its ${quota} quota (${limit}); nothing was changed`, { quota, limit });
export const regionUnavailable = (region: string, retryAfterSeconds = 5) =>
  new ApiError('REGION_UNAVAILABLE', `KMS is not available in region ${region}`, { region, retryAfter: retryAfterSeconds });

/**
 * Errors raised by ioredis when Redis cannot be reached or does not answer in time, or refuses
 * our credentials or a command (AUTH / ACL): each is the store being unavailable to us.
 */
export function isStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const name = err.name;
  const msg = err.message ?? '';
  return (
    name === 'MaxRetriesPerRequestError' ||
    name === 'ClusterAllFailedError' ||
    /Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|enableOfflineQueue|CLUSTERDOWN|Failed to refresh slots cache|None of startup nodes is available|LOADING|^NOAUTH|^WRONGPASS|^NOPERM/.test(msg)
  );
}

/**
 * Turns anything thrown into a client-safe error: an ApiError stays as it is, a Redis outage
 * becomes STORE_UNAVAILABLE, anything else INTERNAL_SERVER_ERROR with no internals in the message.
 */
export function toApiError(err: unknown): GraphQLError {
  const original = err instanceof GraphQLError && err.originalError ? err.originalError : err;
  if (original instanceof ApiError) return original;
  if (err instanceof GraphQLError && typeof err.extensions?.code === 'string' && err.extensions.code !== 'INTERNAL_SERVER_ERROR') {
    return err;
  }
  if (isStoreError(original)) return storeUnavailable();
  return internalError();
}

/**
 * The error code to record as an operation's FAILURE, or null when the store itself failed: then
 * the write may have reached Redis before the error, so no definite outcome can be recorded.
 */
export function definiteFailureCode(err: unknown): string | null {
  const code = String(toApiError(err).extensions.code);
  return code === 'STORE_UNAVAILABLE' ? null : code;
}
