import type { RequestContext } from '../../../shared/context';
import { isKeyIdentity } from '../../../shared/identifiers';
import type { KeyRingService } from '../domain/keyRingService';
import { KmsKey } from './types/kmsKey';
import { guard, keyLoader } from './kmsRequest';

/**
 * `_entities` for KmsKey { region identity } (e.g. Secret.kmsKey). All references of one request
 * share the request's DataLoader, so a page of them costs one pipelined Redis round trip. A
 * reference to another region or to an absent key resolves to null.
 */
export function kmsKeyReference(kms: KeyRingService) {
  return {
    async __resolveReference(ref: { region?: string; identity?: string }, ctx: RequestContext): Promise<KmsKey | null> {
      // One gate/scope check per request (and at most one auth.denied), however many references.
      await ctx.loader('kmsReferenceGuard', () => guard(ctx, `kms-key:${kms.region}/*`, 'kms:read'));
      if (ref.region !== kms.region || !isKeyIdentity(ref.identity)) return null;
      const rec = await keyLoader(ctx, kms).load(ref.identity);
      return rec ? KmsKey.of(rec) : null;
    },
  };
}
