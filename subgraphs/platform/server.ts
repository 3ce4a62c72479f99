import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import type { Services } from '../../shared/services';
import { createPlatform, type Platform } from './domain/platform';
// Import order is the order type-graphql registers fields, i.e. the printed schema's order.
import { AuditEventsResolver } from './graphql/auditEvents.resolver';
import { FeatureGatesResolver } from './graphql/featureGates.resolver';
import { ApiTokensResolver } from './graphql/apiTokens.resolver';
import { ViewerResolver } from './graphql/viewer.resolver';
import { platformStores } from './store/platformStores';

const RESOLVERS = [ViewerResolver, ApiTokensResolver, FeatureGatesResolver, AuditEventsResolver] as const;

/**
 * The platform subgraph: who am I, API tokens, feature gates, the audit log. Without a Platform
 * (schema printing) the resolvers exist but are never run.
 */
export function buildPlatformSchema(platform?: Platform): Promise<GraphQLSchema> {
  const domain = platform ?? (null as unknown as Platform);
  const instances = new Map<unknown, unknown>();
  return buildFederatedSchema({
    resolvers: RESOLVERS as unknown as [Function, ...Function[]],
    container: {
      get(cls: new (p: Platform) => unknown) {
        if (!instances.has(cls)) instances.set(cls, new cls(domain));
        return instances.get(cls);
      },
    },
  });
}

export async function startPlatformSubgraph(services: Services, opts: { port: number; host?: string }): Promise<RunningService> {
  const schema = await buildPlatformSchema(createPlatform(platformStores(services)));
  return startSubgraph({ name: 'platform', schema, services, port: opts.port, host: opts.host });
}
