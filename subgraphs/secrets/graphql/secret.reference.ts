import type { RequestContext } from '../../../shared/context';
import { pathAllowed } from '../../../shared/principal';
import type { SecretMeta } from '../domain/secret';
import { isPathShaped } from '../domain/secretInput';
import { secretLoader } from './secretLoaders';
import { guard, type SecretsDeps } from './secretsRequest';

/**
 * `_entities` for Secret { path }: one batched metadata read for all references of a request.
 * Same rules as `secret(path)`, except that a path outside the token's pathPrefixes resolves to
 * null (a reference is not a direct access; the listing rule applies).
 */
export function secretReference(deps: SecretsDeps) {
  return {
    async __resolveReference(ref: { path?: unknown }, ctx: RequestContext): Promise<SecretMeta | null> {
      await ctx.loader('secretReferenceGuard', () => guard(ctx, 'secret:*', { scopes: ['secrets:read'] }));
      const path = ref.path;
      if (!isPathShaped(path)) return null;
      if (!pathAllowed(ctx.principal, path)) return null;
      return secretLoader(ctx, deps.manager).load(path);
    },
  };
}
