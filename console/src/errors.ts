import { ApiError } from './api.js';
import { h } from './dom.js';

/** What to do about each error code the API answers with (codes as in the API contract). */
export const FIXES: Record<string, string> = {
  KMS_KEY_NOT_ACTIVE: 'enable the key on the Keys page (or cancel its deletion, then enable it); values bound to it cannot be read or written until then',
  UNAUTHENTICATED: 'sign in again with a valid token (it may have expired or been revoked)',
  FORBIDDEN: 'the token lacks the scope or path prefix this needs; sign in with a token that has it',
  FEATURE_DISABLED: 'the feature is switched off for this project; an admin can enable it (setFeatureGate)',
  REGION_UNAVAILABLE: 'retry later: the KMS of that region is down or the region has no KMS; metadata stays readable',
  STORE_UNAVAILABLE: 'the store is unreachable; nothing was half-written, retry later',
  KEY_IN_USE: 'the key was used recently; check the bound secrets, then choose "Disable anyway" only if you are sure',
  NOT_FOUND: 'it does not exist (or that version is deleted or destroyed); check the path or identity',
  ALREADY_EXISTS: 'that name is taken; choose another path or identity',
  VERSION_CONFLICT: 'someone wrote a newer version meanwhile; reload the secret and try again',
  BAD_USER_INPUT: 'check the values entered',
  IMMUTABLE_FIELD: 'a secret keeps the key it was created with; create a new secret for another key',
  UNSUPPORTED_KEY_TYPE: 'secrets need a symmetric key (AES or ChaCha20)',
  KEY_REGION_MISMATCH: 'the key lives in another region; pick that region or a key of this one',
  INVALID_CIPHERTEXT: 'the stored value cannot be decrypted with this key version',
  IDEMPOTENCY_CONFLICT: 'that idempotency key was used with a different input',
  RATE_LIMITED: 'too many requests; wait a moment and retry',
  QUOTA_EXCEEDED: 'the project is over its quota; delete unused objects first',
  GRAPHQL_VALIDATION_FAILED: 'the gateway does not know this request; the console and the gateway may be different releases',
  NETWORK_ERROR: 'check that the gateway is running and reachable',
  INTERNAL_SERVER_ERROR: 'retry; if it persists, report it with the request id',
};

export function fixFor(code: string): string {
  return FIXES[code] ?? FIXES.INTERNAL_SERVER_ERROR;
}

/** An error box: code, message, the fix, the request id. */
export function errorBox(err: unknown): HTMLElement {
  const e = err instanceof ApiError ? err : new ApiError('INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : String(err), '');
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-code': e.code },
    h('p', {}, h('strong', { class: 'code' }, e.code), `: ${fixFor(e.code)}.`),
    h('p', { class: 'message' }, e.message),
    h('p', { class: 'request-id' }, 'Request id: ', h('code', {}, e.requestId || 'none (no response)')),
  );
}
