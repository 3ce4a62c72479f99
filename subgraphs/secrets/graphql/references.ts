import type { RequestContext } from '../../../shared/context';
import { pathAllowed } from '../../../shared/principal';
import type { Secret as SecretRecord } from '../domain/secret';
import { MAX_PATH_LENGTH, PATH_RE } from '../domain/secretInput';
import { guard, secretLoader, type SecretsDeps } from './secretsRequest';
import { KmsKey } from './types';

const KEY_IDENTITY_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * `_entities` for KmsKey { region identity }: the gateway asks this subgraph for boundSecrets /
 * boundSecretCount of keys the kms subgraph returned. The reference is all this subgraph needs
 * (the fields' resolvers batch the Redis reads); a malformed one resolves to null.
 */
export function kmsKeyReference(deps: SecretsDeps) {
  return {
    __resolveReference(ref: { region?: unknown; identity?: unknown }, ctx: RequestContext): KmsKey | null {
      void deps;
      if (typeof ref.region !== 'string' || !ctx.services.config.regions.has(ref.region)) return null;
      if (typeof ref.identity !== 'string' || !KEY_IDENTITY_RE.test(ref.identity)) return null;
      return Object.assign(new KmsKey(), { region: ref.region, identity: ref.identity });
    },
  };
}

/**
 * `_entities` for Secret { path }: one pipelined metadata read for all references of a request.
 * Same rules as `secret(path)`, except that a path outside the token's pathPrefixes resolves to
 * null (a reference is not a direct access; the listing rule applies).
 */
export function secretReference(deps: SecretsDeps) {
  return {
    async __resolveReference(ref: { path?: unknown }, ctx: RequestContext): Promise<SecretRecord | null> {
      await ctx.loader('secretReferenceGuard', () => guard(ctx, 'secret:*', { scopes: ['secrets:read'] }));
      const path = ref.path;
      if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !PATH_RE.test(path)) return null;
      if (!pathAllowed(ctx.principal, path)) return null;
      return secretLoader(ctx, deps.store).load(path);
    },
  };
}
