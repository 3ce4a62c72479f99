import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import type { Services } from '../../shared/services';
import { AuditResolver } from './graphql/audit.resolver';
import { FeatureGatesResolver } from './graphql/featureGates.resolver';
import { TokensResolver } from './graphql/tokens.resolver';
import { ViewerResolver } from './graphql/viewer.resolver';

/** The platform subgraph: who am I, API tokens, feature gates, the audit log. */
export function buildPlatformSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [ViewerResolver, TokensResolver, FeatureGatesResolver, AuditResolver] });
}

export async function startPlatformSubgraph(services: Services, opts: { port: number; host?: string }): Promise<RunningService> {
  return startSubgraph({ name: 'platform', schema: await buildPlatformSchema(), services, port: opts.port, host: opts.host });
}
