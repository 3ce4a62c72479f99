import type { Config } from './config';
import { createRedis, type RedisClient } from './redis';
import { TokenStore } from './tokens';
import { AuditLog } from './audit';
import { FeatureGates } from './featureGates';
import { Logger } from './log';

/** What every service process holds once: config, Redis, and the stores every subgraph shares. */
export interface Services {
  name: string;
  config: Config;
  redis: RedisClient;
  tokens: TokenStore;
  audit: AuditLog;
  gates: FeatureGates;
  log: Logger;
  /** Injectable clock (tests move time in milliseconds). */
  now: () => Date;
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
      log.warn('redis connection error', { err: err.message });
    }
  });
  return {
    name,
    config,
    redis,
    tokens: new TokenStore(redis, config.rootToken, now),
    audit: new AuditLog(redis, config.auditMaxEvents),
    gates: new FeatureGates(redis),
    log,
    now,
  };
}
