import DataLoader from 'dataloader';
import type { RequestContext } from '../../../shared/context';
import type { Feature, Scope } from '../../../shared/scopes';
import { badInput } from '../../../shared/errors';
import type { Page, Secret as SecretRecord } from '../domain/secret';
import type { SecretAccess } from '../domain/secretAccess';
import { validatePath } from '../domain/secretInput';
import type { SecretsCall, SecretsManager } from '../domain/secretsManager';
import type { AccessedPageQuery, BoundKeyRef, SecretStore } from '../store/secretStore';
import { PageInfo } from './types';

/**
 * Request-level plumbing shared by the secrets resolvers: what they need from the process
 * (domain + store), gates and scopes in one order, per-request DataLoaders, and audit events
 * written before a result leaves (fail closed).
 */
export interface SecretsDeps {
  manager: SecretsManager;
  store: SecretStore;
  access: SecretAccess;
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
  return { project: ctx.project, caller: { tokenId: ctx.principal.tokenId, project: ctx.project }, requestId: ctx.requestId };
}

/** Secret metadata by path: all lookups of one request in the same tick are one pipelined read. */
export function secretLoader(ctx: RequestContext, store: SecretStore): DataLoader<string, SecretRecord | null> {
  return ctx.loader('secretMeta', () =>
    new DataLoader<string, SecretRecord | null>((paths) => store.getMetaMany(ctx.project, [...paths]), { maxBatchSize: 1000 }),
  );
}

export function primeSecrets(ctx: RequestContext, store: SecretStore, secrets: SecretRecord[]): void {
  const loader = secretLoader(ctx, store);
  for (const s of secrets) loader.clear(s.path).prime(s.path, s);
}

const refKey = (k: BoundKeyRef) => `${k.region}\u0000${k.identity}`;

/** KmsKey.boundSecretCount of every key in the request: one pipelined ZCARD round trip. */
export function boundCountLoader(ctx: RequestContext, store: SecretStore): DataLoader<BoundKeyRef, number, string> {
  return ctx.loader('boundSecretCount', () =>
    new DataLoader<BoundKeyRef, number, string>((keys) => store.boundSecretCounts(ctx.project, [...keys]), { cacheKeyFn: refKey, maxBatchSize: 1000 }),
  );
}

/** The same for a token confined to path prefixes: exact counts within them, one pipelined round trip. */
export function confinedBoundCountLoader(ctx: RequestContext, store: SecretStore, prefixes: string[]): DataLoader<BoundKeyRef, number, string> {
  return ctx.loader('boundSecretCountConfined', () =>
    new DataLoader<BoundKeyRef, number, string>((keys) => store.boundSecretCountsWithin(ctx.project, [...keys], prefixes), {
      cacheKeyFn: refKey,
      maxBatchSize: 1000,
    }),
  );
}

type BoundPageKey = BoundKeyRef & { first: number; after: string | null };

/** KmsKey.boundSecrets of every key in the request: two round trips whatever the number of keys. */
export function boundPageLoader(ctx: RequestContext, store: SecretStore): DataLoader<BoundPageKey, Page<SecretRecord>, string> {
  return ctx.loader('boundSecrets', () =>
    new DataLoader<BoundPageKey, Page<SecretRecord>, string>((keys) => store.boundSecretsMany(ctx.project, [...keys]), {
      cacheKeyFn: (k) => `${refKey(k)}\u0000${k.first}\u0000${k.after ?? ''}`,
      maxBatchSize: 500,
    }),
  );
}

/** Secret.lastAccessedAt of every secret in the request: one pipelined round trip. */
export function lastAccessedLoader(ctx: RequestContext, access: SecretAccess): DataLoader<SecretRecord, Date | null, string> {
  return ctx.loader('secretLastAccessed', () =>
    new DataLoader<SecretRecord, Date | null, string>((secrets) => access.lastAccessedMany([...secrets]), {
      cacheKeyFn: (s) => `${s.path}\u0000${s.uid}`,
      maxBatchSize: 1000,
    }),
  );
}

/**
 * boundSecretCount(accessedSince) of every key in the request asking for the same time: one
 * pipelined round trip (confined to the token's prefixes when it has any).
 */
export function accessedCountLoader(ctx: RequestContext, store: SecretStore, sinceMs: number): DataLoader<BoundKeyRef, number, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader(`boundSecretCountAccessed:${sinceMs}`, () =>
    new DataLoader<BoundKeyRef, number, string>((keys) => store.boundSecretCountsAccessed(ctx.project, [...keys], sinceMs, prefixes), {
      cacheKeyFn: refKey,
      maxBatchSize: 1000,
    }),
  );
}

/** boundSecrets(accessedSince) of every key in the request: two round trips whatever the number of keys. */
export function accessedPageLoader(ctx: RequestContext, store: SecretStore): DataLoader<AccessedPageQuery, Page<SecretRecord>, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader('boundSecretsAccessed', () =>
    new DataLoader<AccessedPageQuery, Page<SecretRecord>, string>((keys) => store.boundSecretsAccessedMany(ctx.project, [...keys], prefixes), {
      cacheKeyFn: (k) => `${refKey(k)}\u0000${k.first}\u0000${k.after ?? ''}\u0000${k.sinceMs}`,
      maxBatchSize: 500,
    }),
  );
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

export function pageInfo(page: { endCursor: string | null; hasNextPage: boolean }): PageInfo {
  return Object.assign(new PageInfo(), { endCursor: page.endCursor, hasNextPage: page.hasNextPage });
}

