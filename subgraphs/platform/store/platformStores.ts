import type { Services } from '../../../shared/services';
import { TokenStore } from '../../../shared/tokens';
import type { PlatformPorts, TokenRecords } from '../domain/ports';

/**
 * The platform's ports over the shared stores: every subgraph authenticates with TokenStore,
 * reads FeatureGates and writes the AuditLog (shared/), and the platform administers them. Redis
 * key names and scripts stay in those modules.
 */
export function platformStores(services: Pick<Services, 'tokens' | 'gates' | 'audit' | 'now'>): PlatformPorts {
  const store = services.tokens;
  const tokens: TokenRecords = {
    newId: () => TokenStore.newId(),
    create: (grant, id) => store.create(grant, id),
    get: (id) => store.get(id),
    list: (project, limit) => store.list(project, limit),
    revoke: (project, id) => store.revoke(project, id),
  };
  return { tokens, gates: services.gates, audit: services.audit, now: services.now };
}
