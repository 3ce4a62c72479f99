import type { RequestContext } from '../../../shared/context';
import { badInput } from '../../../shared/errors';
import { isKeyIdentity } from '../../../shared/identifiers';
import type { KeyStatus } from '../domain/keyTypes';
import type { KeyRingService } from '../domain/keyRingService';
import { guard, keyLoader } from '../graphql/kmsRequest';

/** As many as a page of secrets can name (and as the DataLoaders batch). */
const MAX_IDENTITIES = 1000;

/**
 * `POST /internal/v1/keyStatuses` `{ identities }`: the status of each key, in input order, null
 * where there is no such key (or the identity is malformed). What the `_entities` path answers for
 * `KmsKey { status }` (graphql/kmsKey.reference.ts): the same gate and scope check, once per
 * request, and the same verified, never-cached key records through the request's key loader; like
 * it, a read that is not audited.
 */
export async function keyStatuses(kms: KeyRingService, ctx: RequestContext, vars: Record<string, unknown>): Promise<(KeyStatus | null)[]> {
  const ids = vars.identities;
  if (!Array.isArray(ids) || ids.length > MAX_IDENTITIES) throw badInput(`identities must be a list of at most ${MAX_IDENTITIES}`, { field: 'identities' });
  await ctx.loader('kmsReferenceGuard', () => guard(ctx, `kms-key:${kms.region}/*`, 'kms:read'));
  const valid = ids.filter(isKeyIdentity);
  const recs = await keyLoader(ctx, kms).loadMany(valid);
  const byId = new Map<string, KeyStatus | null>();
  valid.forEach((id, i) => {
    const r = recs[i];
    if (r instanceof Error) throw r;
    byId.set(id, r ? r.status : null);
  });
  return ids.map((id) => (isKeyIdentity(id) ? byId.get(id) ?? null : null));
}
