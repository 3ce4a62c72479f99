import type { RequestContext } from '../../../shared/context';
import { badInput } from '../../../shared/errors';
import { isKeyIdentity } from '../../../shared/identifiers';
import type { KeyStatus } from '../domain/keyTypes';
import type { KeyRingService } from '../domain/keyRingService';
import { guard } from '../graphql/kmsRequest';

/** As many as a page of secrets can name (and as the DataLoaders batch). */
const MAX_IDENTITIES = 1000;

/**
 * `POST /internal/v1/keyStatuses` `{ identities }`: the status of each key, in input order, null
 * where there is no such key (or the identity is malformed). What the `_entities` path answers for
 * `KmsKey { status }` (graphql/kmsKey.reference.ts): the same gate and scope check, once per
 * request, and the same verified, never-cached key records (KeyRingService.loadMany, what the
 * request's key loader batches); like it, a read that is not audited.
 */
export async function keyStatuses(kms: KeyRingService, ctx: RequestContext, vars: Record<string, unknown>): Promise<(KeyStatus | null)[]> {
  const ids = vars.identities;
  if (!Array.isArray(ids) || ids.length > MAX_IDENTITIES) throw badInput(`identities must be a list of at most ${MAX_IDENTITIES}`, { field: 'identities' });
  await ctx.loader('kmsReferenceGuard', () => guard(ctx, `kms-key:${kms.region}/*`, 'kms:read'));
  // The secrets service asks each key once: no per-request loader in between (the read it batches).
  const at: number[] = [];
  const refs = [];
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (!isKeyIdentity(id)) continue;
    at.push(i);
    refs.push(kms.ref(ctx.project, id));
  }
  const recs = await kms.loadMany(refs);
  const out: (KeyStatus | null)[] = new Array(ids.length).fill(null);
  at.forEach((i, j) => (out[i] = recs[j]?.status ?? null));
  return out;
}
