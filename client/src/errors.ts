/** The error codes of the public contract (API.md, including its Additions), as the server sends them in `extensions.code`. */
export const API_ERROR_CODES = [
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'FEATURE_DISABLED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'VERSION_CONFLICT',
  'KMS_KEY_NOT_ACTIVE',
  'UNSUPPORTED_KEY_TYPE',
  'KEY_REGION_MISMATCH',
  'IMMUTABLE_FIELD',
  'INVALID_CIPHERTEXT',
  'REGION_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
  'KEY_IN_USE',
  'IDEMPOTENCY_CONFLICT',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Codes the client itself raises when there is no GraphQL error to report:
 * - `NETWORK_ERROR`: the request never got an HTTP response (connection refused, DNS, reset, aborted);
 * - `BAD_RESPONSE`: an HTTP response that is not a GraphQL JSON body (e.g. a proxy's HTML 502),
 *   or a body with neither data nor errors.
 */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'BAD_RESPONSE'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type ErrorCode = ApiErrorCode | ClientErrorCode;

/** One entry of a GraphQL response's `errors`, as received. */
export interface GraphQLErrorPayload {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: Record<string, unknown>;
}

export interface SecretsKmsErrorInit {
  code: ErrorCode | (string & {});
  message: string;
  status?: number;
  requestId?: string;
  retryAfter?: number;
  extensions?: Record<string, unknown>;
  errors?: GraphQLErrorPayload[];
  cause?: unknown;
}

/**
 * Every failure of a client call: a GraphQL error that left no data, an HTTP failure, or no
 * response at all. `message` reads `CODE: message (request id …)`.
 */
export class SecretsKmsError extends Error {
  override readonly name = 'SecretsKmsError';
  /** API.md's code from the first error's `extensions.code`, or a ClientErrorCode. */
  readonly code: ErrorCode | (string & {});
  /** HTTP status of the response; undefined when there was none (NETWORK_ERROR). */
  readonly status: number | undefined;
  /** The response's `x-request-id`, else the one the client sent; quote it when asking for help. */
  readonly requestId: string | undefined;
  /** Seconds, from the response's Retry-After header when it sent one. */
  readonly retryAfter: number | undefined;
  /** The first error's `extensions` (e.g. `region`, `feature`, `kmsKeyStatus`, `field`). */
  readonly extensions: Record<string, unknown>;
  /** Every GraphQL error of the response (empty for transport failures). */
  readonly errors: GraphQLErrorPayload[];
  /** The server's message, without the code and request id. */
  readonly serverMessage: string;

  constructor(init: SecretsKmsErrorInit) {
    super(`${init.code}: ${init.message}${init.requestId ? ` (request id ${init.requestId})` : ''}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.extensions = init.extensions ?? {};
    this.errors = init.errors ?? [];
    this.serverMessage = init.message;
  }
}

export function isSecretsKmsError(e: unknown): e is SecretsKmsError {
  return e instanceof SecretsKmsError;
}
