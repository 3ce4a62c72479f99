import DataLoader from 'dataloader';
import type { RequestContext } from '../../../shared/context';
import type { KeyBindings } from '../domain/keyBindings';
import type { KeyStatusReads } from '../domain/keyStatuses';
import type { AccessedPageQuery, BoundKeyRef, BoundPageQuery } from '../domain/ports';
import type { Page, SecretMeta } from '../domain/secret';
import type { SecretAccess } from '../domain/secretAccess';
import type { SecretsManager } from '../domain/secretsManager';

/**
 * Per-request DataLoaders over the domain's batch reads: all lookups of one request in the same
 * tick become one call, so a page of secrets or keys costs a constant number of store round trips.
 */

/** Secret metadata by path. */
export function secretLoader(ctx: RequestContext, manager: SecretsManager): DataLoader<string, SecretMeta | null> {
  return ctx.loader('secretMeta', () =>
    new DataLoader<string, SecretMeta | null>((paths) => manager.getSecretsMany(ctx.project, [...paths]), { maxBatchSize: 1000 }),
  );
}

export function primeSecrets(ctx: RequestContext, manager: SecretsManager, secrets: SecretMeta[]): void {
  const loader = secretLoader(ctx, manager);
  for (const s of secrets) loader.clear(s.path).prime(s.path, s);
}

const refKey = (k: BoundKeyRef) => `${k.region}\u0000${k.identity}`;

/** KmsKey.boundSecretCount of every key in the request (within the token's prefixes when it has any). */
export function boundCountLoader(ctx: RequestContext, bindings: KeyBindings): DataLoader<BoundKeyRef, number, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader('boundSecretCount', () =>
    new DataLoader<BoundKeyRef, number, string>((keys) => bindings.boundSecretCounts(ctx.project, [...keys], prefixes), { cacheKeyFn: refKey, maxBatchSize: 1000 }),
  );
}

/** KmsKey.boundSecrets of every key in the request. */
export function boundPageLoader(ctx: RequestContext, bindings: KeyBindings): DataLoader<BoundPageQuery, Page<SecretMeta>, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader('boundSecrets', () =>
    new DataLoader<BoundPageQuery, Page<SecretMeta>, string>((keys) => bindings.boundSecretPages(ctx.project, [...keys], prefixes), {
      cacheKeyFn: (k) => `${refKey(k)}\u0000${k.first}\u0000${k.after ?? ''}`,
      maxBatchSize: 500,
    }),
  );
}

/** Secret.lastAccessedAt of every secret in the request. */
export function lastAccessedLoader(ctx: RequestContext, access: SecretAccess): DataLoader<SecretMeta, Date | null, string> {
  return ctx.loader('secretLastAccessed', () =>
    new DataLoader<SecretMeta, Date | null, string>((secrets) => access.lastAccessedMany([...secrets]), {
      cacheKeyFn: (s) => `${s.path}\u0000${s.uid}`,
      maxBatchSize: 1000,
    }),
  );
}

/** boundSecretCount(accessedSince) of every key in the request asking for the same time (confined to the token's prefixes). */
export function accessedCountLoader(ctx: RequestContext, bindings: KeyBindings, sinceMs: number): DataLoader<BoundKeyRef, number, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader(`boundSecretCountAccessed:${sinceMs}`, () =>
    new DataLoader<BoundKeyRef, number, string>((keys) => bindings.accessedCounts(ctx.project, [...keys], sinceMs, prefixes), {
      cacheKeyFn: refKey,
      maxBatchSize: 1000,
    }),
  );
}

/** boundSecrets(accessedSince) of every key in the request. */
export function accessedPageLoader(ctx: RequestContext, bindings: KeyBindings): DataLoader<AccessedPageQuery, Page<SecretMeta>, string> {
  const prefixes = ctx.principal.pathPrefixes;
  return ctx.loader('boundSecretsAccessed', () =>
    new DataLoader<AccessedPageQuery, Page<SecretMeta>, string>((keys) => bindings.accessedPages(ctx.project, [...keys], prefixes), {
      cacheKeyFn: (k) => `${refKey(k)}\u0000${k.first}\u0000${k.after ?? ''}\u0000${k.sinceMs}`,
      maxBatchSize: 500,
    }),
  );
}

/**
 * Secret.kmsKey { status } of these keys: one KMS call per region (KeyStatusReads), after the gate
 * and scope check the KMS itself makes on the entity path (`kms`, `kms:read`), once per region and
 * request, its denial audited in the key's region.
 */
export function readKeyStatuses(ctx: RequestContext, reads: KeyStatusReads, keys: readonly BoundKeyRef[]): Promise<(string | null | Error)[]> {
  const call = { caller: { tokenId: ctx.principal.tokenId, project: ctx.project }, requestId: ctx.requestId, deadline: ctx.deadline ?? undefined };
  return reads.many(call, keys, (region) => ctx.loader(`kmsKeyStatusGuard:${region}`, () => ctx.requireIn(region, `kms-key:${region}/*`, 'kms', 'kms:read')));
}

/** readKeyStatuses for every key the request asks about in the same tick. */
export function keyStatusLoader(ctx: RequestContext, reads: KeyStatusReads): DataLoader<BoundKeyRef, string | null, string> {
  return ctx.loader('kmsKeyStatus', () =>
    new DataLoader<BoundKeyRef, string | null, string>((keys) => readKeyStatuses(ctx, reads, keys), { cacheKeyFn: refKey, maxBatchSize: 1000 }),
  );
}
