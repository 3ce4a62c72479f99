import type { ApiError } from '../../../shared/errors';
import { pathAllowedBy } from '../../../shared/principal';
import { pathForbidden } from './errors';
import type { RevealedValue } from './secretsManager';
import type { RevealMeta } from './secret';
import { isPathShaped } from './secretInput';

/**
 * batchGetSecretValue's audit rule: every distinct path worth recording gets its event (a path
 * listed again is the same reveal: one event), written before any value leaves. A path that is not even path-shaped (or too long) is not recorded — junk never
 * reaches the audit log; a path-shaped one that fails validation otherwise (`.` segments) is a
 * FAILURE like any other.
 *
 * - outside the token's pathPrefixes: `auth.denied` DENIED (FORBIDDEN), in the request's region;
 *   the request's denials are written as one event with their count (RequestContext.deny);
 * - any other failure: `secrets.get_value` FAILURE with its code;
 * - a value: `secrets.get_value` SUCCESS with the key version that decrypted it;
 * both in the secret's region, or the request's when there is no such secret.
 */

/** What one item's reveal came to. */
export interface RevealOutcome {
  path: string;
  value: RevealedValue | null;
  error: ApiError | null;
}

export interface RevealAuditEvent {
  action: 'auth.denied' | 'secrets.get_value';
  resource: string;
  outcome: 'DENIED' | 'FAILURE' | 'SUCCESS';
  /** Omitted `region` = the request's region. */
  extra: { errorCode?: string; keyVersion?: number | null; region?: string };
}

/** One item of a batch reveal: its value or error, the event it needs, and the secret to mark as revealed. */
export interface BatchRevealItem extends RevealOutcome {
  /** null: nothing worth recording (not a path), or an earlier copy of the path carries it. */
  audit: RevealAuditEvent | null;
  /** The secret whose reveal counts once the events are written (Secret.lastAccessedAt); null unless a value was read. */
  revealed: RevealMeta | null;
}

/** The batch's FORBIDDEN check for a token confined to path prefixes (none: every path). */
export function pathConfinement(prefixes: string[] | null | undefined): (path: string) => ApiError | null {
  return (path) => (pathAllowedBy(prefixes, path) ? null : pathForbidden());
}

/**
 * The audit event of one item; `meta` is the secret as read before the reveal (null if absent).
 * Without a `requestRegion` the event leaves the region to its writer (the request's).
 */
export function revealAudit(
  item: RevealOutcome,
  meta: RevealMeta | null,
  requestRegion?: string,
): RevealAuditEvent | null {
  if (!isPathShaped(item.path)) return null;
  const resource = `secret:${item.path}`;
  const region = meta?.region ?? requestRegion;
  const where = region === undefined ? {} : { region };
  if (item.error?.code === 'FORBIDDEN') return { action: 'auth.denied', resource, outcome: 'DENIED', extra: { errorCode: 'FORBIDDEN' } };
  if (item.error) return { action: 'secrets.get_value', resource, outcome: 'FAILURE', extra: { errorCode: String(item.error.code), ...where } };
  return { action: 'secrets.get_value', resource, outcome: 'SUCCESS', extra: { keyVersion: item.value?.kmsKeyVersion ?? null, ...where } };
}
