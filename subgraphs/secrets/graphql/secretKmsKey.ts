import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../../shared/context';
import type { SecretMeta } from '../domain/secret';
import { selectsField } from './connections';
import type { BoundKeyRef } from '../domain/ports';
import { keyStatusLoader, readKeyStatuses } from './secretLoaders';
import type { SecretsDeps } from './secretsRequest';
import { KmsKey } from './types';

/**
 * Secret.kmsKey. Without `status` selected: the federation reference, which the gateway sends to
 * the KMS of that region. With it (the @provides path): the status, live from that KMS — one call
 * per region for the request's keys — or null when there is no such key. A page of secrets reads
 * its keys' statuses once, before its nodes resolve (prefetchKeyStatuses), so the field answers
 * synchronously there: no promise per node.
 */
export function secretKmsKey(deps: SecretsDeps, secret: SecretMeta, ctx: RequestContext, info: GraphQLResolveInfo): KmsKey | null | Error | Promise<KmsKey | null> {
  const ref = { region: secret.region, identity: secret.kmsKeyIdentity };
  if (!selectsField(info, 'status')) return Object.assign(new KmsKey(), ref);
  const pre = prefetched(ctx).get(secret);
  if (pre !== undefined) return withStatus(ref, pre);
  return keyStatusLoader(ctx, deps.keyStatuses).load(ref).then((status) => withStatus(ref, status) as KmsKey | null);
}

/** The statuses of a page's keys, read before its nodes resolve (errors are each node's own). */
export async function prefetchKeyStatuses(ctx: RequestContext, deps: SecretsDeps, nodes: readonly SecretMeta[]): Promise<void> {
  // Each key once (many secrets share one), without a promise per node.
  const slot = new Map<string, number>();
  const keys: BoundKeyRef[] = [];
  const at = nodes.map((n) => {
    const k = `${n.region}\u0000${n.kmsKeyIdentity}`;
    let i = slot.get(k);
    if (i === undefined) {
      i = keys.push({ region: n.region, identity: n.kmsKeyIdentity }) - 1;
      slot.set(k, i);
    }
    return i;
  });
  const got = await readKeyStatuses(ctx, deps.keyStatuses, keys);
  const into = prefetched(ctx);
  nodes.forEach((n, i) => into.set(n, got[at[i]]));
}

/** The plain resolver (no type-graphql parameter wrapper: 200 nodes a page). */
export function plainSecretKmsKey(deps: SecretsDeps) {
  return (secret: SecretMeta, _args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) => secretKmsKey(deps, secret, ctx, info);
}

function prefetched(ctx: RequestContext): WeakMap<SecretMeta, string | null | Error> {
  return ctx.loader('kmsKeyStatusOfSecret', () => new WeakMap<SecretMeta, string | null | Error>());
}

// A returned Error is the field's error (graphql-js), as a rejected load would be.
function withStatus(ref: { region: string; identity: string }, status: string | null | Error): KmsKey | null | Error {
  if (status === null || status instanceof Error) return status;
  return Object.assign(new KmsKey(), ref, { status });
}
