import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, INTERNAL_ERROR_MESSAGE, internalFormattedError } from '../shared/errors';
import { redactForCode } from '../shared/redact';
import type { Logger } from '../shared/log';
import { INTERNAL_EXTENSIONS } from '../shared/subgraphTransport';

/** Codes Apollo Server itself produces whose messages are meant for the client. */
const APOLLO_CLIENT_CODES = new Set(['BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * The last word on every error leaving the gateway. Subgraph codes and their safe extensions
 * (`feature`, `kmsKeyStatus`, `region`, `field`, …) pass through unchanged; the gateway's own
 * `serviceName` and anything internal are dropped; an error with no known code (a gateway bug,
 * a malformed subgraph answer) becomes a plain INTERNAL_SERVER_ERROR whose message says nothing.
 * Messages of BAD_USER_INPUT / GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED never echo an input value.
 */
export function gatewayFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (isApolloRequestError(formatted, error)) return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    const code = formatted.extensions?.code;
    const known = typeof code === 'string' && (code in ErrorCode || APOLLO_CLIENT_CODES.has(code));
    if (!known || code === 'INTERNAL_SERVER_ERROR') {
      if (code !== 'INTERNAL_SERVER_ERROR' || formatted.message !== INTERNAL_ERROR_MESSAGE) {
        // Only the code: a message may quote request values.
        log.error('internal error', { code: typeof code === 'string' ? code.slice(0, 64) : 'none' });
      }
      return internalFormattedError(formatted.path);
    }
    const extensions: Record<string, unknown> = { ...formatted.extensions };
    for (const k of INTERNAL_EXTENSIONS) delete extensions[k];
    // graphql-js quotes the offending input value (a password, a plaintext) in coercion, validation
    // and syntax errors; only names, paths and types are kept.
    return { ...formatted, message: redactForCode(code, formatted.message), extensions };
  };
}

/**
 * Apollo Server refuses some requests with a 4xx but no code (a persisted-query hash that does not
 * match its query): a request-level error, not a bug, so it is a BAD_REQUEST (400), not a 500.
 * Its message is Apollo's own text, never an input value.
 */
function isApolloRequestError(formatted: GraphQLFormattedError, error: unknown): boolean {
  if (formatted.path || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return false;
  const status = error instanceof GraphQLError ? (error.extensions?.http as { status?: unknown } | undefined)?.status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}
