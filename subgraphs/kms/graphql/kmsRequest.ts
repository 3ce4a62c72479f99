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

