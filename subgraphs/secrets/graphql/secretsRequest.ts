import type { RequestContext } from '../../../shared/context';
import type { Feature, Scope } from '../../../shared/scopes';
import { badInput, serviceDeadlinePassed } from '../../../shared/errors';
import type { Idempotency } from '../../../shared/idempotency';
import type { KeyBindings } from '../domain/keyBindings';
import type { KeyStatusReads } from '../domain/keyStatuses';
import type { SecretAccess } from '../domain/secretAccess';
import { validatePath } from '../domain/secretInput';
import type { SecretsCall, SecretsManager } from '../domain/secretsManager';

/**
 * Request-level plumbing shared by the secrets resolvers: what they need from the process (the
 * domain only), gates and scopes in one order, and the edge parsing of request arguments.
 * Per-request DataLoaders are in secretLoaders.ts.
 */
export interface SecretsDeps {
  manager: SecretsManager;
  bindings: KeyBindings;
  access: SecretAccess;
  /** Secret.kmsKey { status }, read from the KMS of each key's region. */
  keyStatuses: KeyStatusReads;
  /** createSecret / putSecretValue with an idempotencyKey (absent in schema-only builds). */
  idempotency?: Idempotency;
}

/** `secret:<path>` of a path validated first, so junk never reaches the audit log. */
export function secretResource(path: unknown): { path: string; resource: string } {
  const p = validatePath(path);
  return { path: p, resource: `secret:${p}` };
}

/**
 * Feature gates, then scopes, then path confinement; each denial writes `auth.denied`.
 * `secrets` gates every secrets operation; value operations also need `kms` (put and reveal run
 * KMS on the caller's behalf).
 */
export async function guard(
  ctx: RequestContext,
  resource: string,
  opts: { scopes: Scope[]; features?: Feature[]; path?: string },
): Promise<void> {
  await ctx.requireFeature(resource, ...(opts.features ?? ['secrets']));
  await ctx.requireScope(resource, ...opts.scopes);
  if (opts.path !== undefined) await ctx.requirePath(opts.path, resource);
}

/** Who acts, for the KMS client's on-behalf-of header and the kms audit events. */
export function callOf(ctx: RequestContext): SecretsCall {
  return {
    project: ctx.project, caller: { tokenId: ctx.principal.tokenId, project: ctx.project }, requestId: ctx.requestId,
    deadline: ctx.deadline, beforeCommit: commitGuard(ctx),
  };
}

/** A change that reached its commit after the caller's deadline: nothing was written (503 = no change). */
export const secretsDeadlinePassed = () => serviceDeadlinePassed('secrets');

/** Throws past the request's deadline: called right before a change commits. */
export function commitGuard(ctx: RequestContext): () => void {
  return () => ctx.assertBeforeDeadline(secretsDeadlinePassed);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** `accessedSince`: an ISO-8601 date (UTC midnight) or date-time with a zone; milliseconds, or null when omitted. */
export function parseAccessedSince(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const ms = typeof v === 'string' && v.length <= 64 && ISO_8601.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) {
    throw badInput('accessedSince must be an ISO-8601 date or date-time with a time zone, e.g. 2025-01-31T12:00:00Z', { field: 'accessedSince' });
  }
  return ms;
}
