import type { Config } from './config';
import { createRedis, writeConfirmation, type RedisClient } from './redis';
import { TokenStore, tokenRecordMac } from './tokens';
import { AuditLog } from './audit';
import { AuditFlow } from './auditFlow';
import { AuditBackpressure } from './auditArchive';
import { FeatureGates } from './featureGates';
import { Logger } from './log';
import { ServiceMetrics } from './metrics';
import { RateLimiter } from './rateLimit';

/** What every service process holds once: config, Redis, and the stores every subgraph shares. */
export interface Services {
  name: string;
  config: Config;
  redis: RedisClient;
  tokens: TokenStore;
  audit: AuditLog;
  /** The one way events are written: fail-closed records, audited reads, write-ahead changes. */
  auditFlow: AuditFlow;
  gates: FeatureGates;
  /** Per-token and per-project request rates (subgraphServer counts each authenticated client request). */
  rateLimiter: RateLimiter;
  log: Logger;
  /** This service's Prometheus registry (GET /metrics; shared/metrics.ts). */
  metrics: ServiceMetrics;
  /** Injectable clock (tests move time in milliseconds). */
  now: () => Date;
}

/**
 * What a request's context is built from: no Redis client and no store a resolver could write
 * through. The context writes audit events and reads feature gates itself; resolvers get their
 * domain objects through their constructors (the subgraph's server.ts builds them from Services).
 */
export interface RequestServices {
  name: string;
  config: Config;
  auditFlow: AuditFlow;
  gates: Pick<FeatureGates, 'get'>;
}

export function createServices(name: string, config: Config, opts: { redis?: RedisClient; now?: () => Date } = {}): Services {
  const redis = opts.redis ?? createRedis(config.redis);
  const now = opts.now ?? (() => new Date());
  const log = new Logger(name, config.logLevel);
  // Connection errors are reported per request as STORE_UNAVAILABLE; log the outage once per burst.
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    if (Date.now() - lastLogged > 5000) {
      lastLogged = Date.now();
      // Redis says nothing secret in these messages; a refused login is named as such.
      if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(err.message)) {
        log.error('redis refused our credentials: check the user and password in REDIS_URL or REDIS_USERNAME / REDIS_PASSWORD', { err: err.message.split(' ')[0] });
      } else log.warn('redis connection error', { err: err.message });
    }
  });
  const audit = new AuditLog(redis);
  // Refuses events (503) while the project's unarchived backlog is over AUDIT_MAX_UNARCHIVED; with
  // REDIS_WAIT_REPLICAS / REDIS_WAIT_AOF a change counts only once replicated.
  const auditFlow = new AuditFlow(audit, new AuditBackpressure(log), writeConfirmation(redis, config.redis.waitFor));
  const metrics = new ServiceMetrics(name, config.metrics);
  metrics.watchRedis(redis, config.redis.commandTimeoutMs);
  metrics.watchAuditFlow(auditFlow);
  return {
    name,
    config,
    redis,
    // Every service that verifies tokens holds INTERNAL_SECRET; Redis alone cannot mint a token.
    tokens: new TokenStore(redis, config.rootToken, tokenRecordMac(config.internalSecret), now, config.quotas.tokens, config.tokenCacheMs),
    audit,
    auditFlow,
    gates: new FeatureGates(redis),
    rateLimiter: new RateLimiter(redis, config.rateLimits),
    log,
    metrics,
    now,
  };
}
