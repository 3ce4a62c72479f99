import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import type { Services } from '../../shared/services';
import { AuditArchiver } from '../../shared/auditArchive';
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

export interface RunningPlatform extends RunningService {
  /** The audit archiver (null without AUDIT_ARCHIVE_DIR); `runOnce()` works whether or not it runs on its interval. */
  archiver: AuditArchiver | null;
}

/** The archiver of AUDIT_ARCHIVE_DIR, with the webhook export of AUDIT_WEBHOOK_URL. */
export function createAuditArchiver(services: Services, overrides: { now?: () => Date } = {}): AuditArchiver | null {
  const { auditArchive: a, auditRetentionDays } = services.config;
  if (!a.dir) return null;
  return new AuditArchiver(services.redis, services.audit, services.log, {
    dir: a.dir,
    key: a.key,
    retentionDays: auditRetentionDays,
    maxUnarchived: a.maxUnarchived,
    intervalMs: a.intervalMs,
    webhook: a.webhookUrl ? { url: a.webhookUrl, secret: a.webhookSecret } : null,
    now: overrides.now ?? services.now,
    onRun: (run) => services.metrics.auditArchiveRun(run),
  });
}

export async function startPlatformSubgraph(services: Services, opts: { port: number; host?: string; archiver?: boolean }): Promise<RunningPlatform> {
  const schema = await buildPlatformSchema(createPlatform(platformStores(services)));
  const running = await startSubgraph({ name: 'platform', schema, services, port: opts.port, host: opts.host });
  const archiver = createAuditArchiver(services);
  if (archiver && opts.archiver !== false) archiver.start();
  return {
    ...running,
    archiver,
    async stop() {
      await archiver?.stop();
      await running.stop();
    },
  };
}
