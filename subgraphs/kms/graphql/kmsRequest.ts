import DataLoader from 'dataloader';
import type { RequestContext } from '../../../shared/context';
import { validateKeyIdentity } from '../../../shared/identifiers';
import type { Scope } from '../../../shared/scopes';
import { keyNotFound } from '../domain/errors';
import type { KeyVersionInfo, KmsKeyRecord } from '../domain/keyRing';
import type { KeyRingService } from '../domain/keyRingService';

/** Request-level plumbing shared by the KMS resolvers: resources, gates, fresh key state, audit. */

/** Audit resource of a key; validates the identity first so junk never reaches the audit log. */
export function keyResource(kms: KeyRingService, identity: string, field = 'identity'): string {
  validateKeyIdentity(identity, field);
  return `kms-key:${kms.region}/${identity}`;
}

/** Feature gate `kms`, then the scopes; each denial is audited by the context. */
export async function guard(ctx: RequestContext, resource: string, ...scopes: Scope[]): Promise<void> {
  await ctx.requireFeature(resource, 'kms');
  await ctx.requireScope(resource, ...scopes);
}

/**
 * Key state is read from Redis on every request (never cached across requests), batched: all
 * lookups of one request in the same tick become one pipelined round trip.
 */
export function keyLoader(ctx: RequestContext, kms: KeyRingService): DataLoader<string, KmsKeyRecord | null> {
  return ctx.loader('kmsKeyMeta', () =>
    new DataLoader<string, KmsKeyRecord | null>((ids) => kms.loadMany(ids.map((id) => kms.ref(ctx.project, id))), { maxBatchSize: 1000 }),
  );
}

export function versionsLoader(ctx: RequestContext, kms: KeyRingService): DataLoader<string, KeyVersionInfo[]> {
  return ctx.loader('kmsKeyVersions', () =>
    new DataLoader<string, KeyVersionInfo[]>((ids) => kms.versionsMany(ids.map((id) => kms.ref(ctx.project, id))), { maxBatchSize: 1000 }),
  );
}

/** KmsKey.lastUsedAt of every key in the request: one pipelined round trip. */
export function lastUsedLoader(ctx: RequestContext, kms: KeyRingService): DataLoader<string, Date | null> {
  return ctx.loader('kmsKeyLastUsed', () =>
    new DataLoader<string, Date | null>((ids) => kms.lastUsedMany(ids.map((id) => kms.ref(ctx.project, id))), { maxBatchSize: 1000 }),
  );
}

/** `"keyIdentity": "<identity>"`, as variables usually name the key (an identity needs no JSON escape). */
const KEY_IDENTITY_IN_BODY = /"keyIdentity"\s*:\s*"([a-z0-9][a-z0-9-]{0,62})"/;
/** Bodies scanned for it: a 64 KiB encrypt is; a big batch, whose key read is a small share of its work, is not. */
const MAX_SCANNED_BODY = 96 * 1024;

/**
 * The state of the key a request's variables name, read in the same tick as the rate-limit check
 * so both share one Redis round trip (DESIGN.md: one round trip per request where possible) instead
 * of the read waiting for the resolver; it primes the request's loader. Only a hint: the resolver
 * still validates, guards and loads what its arguments say (a failed read fails it as its own read
 * would); a key named but not used costs one read of the caller's own project, nothing else.
 */
export function prefetchNamedKey(kms: KeyRingService): (ctx: RequestContext, body: string) => void {
  return (ctx, body) => {
    if (body.length > MAX_SCANNED_BODY) return;
    const m = KEY_IDENTITY_IN_BODY.exec(body);
    if (!m) return;
    const read = kms.loadMany([kms.ref(ctx.project, m[1])]).then(([rec]) => rec);
    // A request refused before its resolver never reads it: its failure must not count as unhandled.
    read.catch(() => undefined);
    keyLoader(ctx, kms).prime(m[1], read);
  };
}

export async function loadKey(ctx: RequestContext, kms: KeyRingService, identity: string): Promise<KmsKeyRecord> {
  const rec = await keyLoader(ctx, kms).load(identity);
  if (!rec) throw keyNotFound(identity, kms.region);
  return rec;
}

/** After a lifecycle change, later fields of the same request must see the new state. */
export function primeKey(ctx: RequestContext, kms: KeyRingService, rec: KmsKeyRecord): void {
  keyLoader(ctx, kms).clear(rec.identity).prime(rec.identity, rec);
  versionsLoader(ctx, kms).clear(rec.identity);
  lastUsedLoader(ctx, kms).clear(rec.identity);
}

