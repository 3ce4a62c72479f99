import type { RequestContext } from '../../../shared/context';
import type { SecretsDeps } from './secretsRequest';
import { KmsKey } from './types';

/**
 * `_entities` for KmsKey { region identity }: the gateway asks this subgraph for boundSecrets /
 * boundSecretCount of keys the kms subgraph returned. The reference is all this subgraph needs
 * (the fields' resolvers batch the reads); a malformed one resolves to null.
 */
export function kmsKeyReference(deps: SecretsDeps) {
  return {
    __resolveReference(ref: { region?: unknown; identity?: unknown }, _ctx: RequestContext): KmsKey | null {
      const key = deps.bindings.keyReference(ref);
      return key ? Object.assign(new KmsKey(), key) : null;
    },
  };
}
