import DataLoader from 'dataloader';
import type { RequestContext } from '../../../shared/context';
import type { Feature, Scope } from '../../../shared/scopes';
import type { Page, Secret as SecretRecord } from '../domain/secret';
import { validatePath } from '../domain/secretInput';
import type { SecretsCall, SecretsManager } from '../domain/secretsManager';
import type { BoundKeyRef, SecretStore } from '../store/secretStore';
import { PageInfo } from './types';

/**
 * Request-level plumbing shared by the secrets resolvers: what they need from the process
 * (domain + store), gates and scopes in one order, per-request DataLoaders, and audit events
 * written before a result leaves (fail closed).
 */
export interface SecretsDeps {
  manager: SecretsManager;
  store: SecretStore;
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

export function pageInfo(page: { endCursor: string | null; hasNextPage: boolean }): PageInfo {
  return Object.assign(new PageInfo(), { endCursor: page.endCursor, hasNextPage: page.hasNextPage });
}

