import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config';

/** Either a single node or a cluster: every store works with both (keys of one resource share a hash tag). */
export type RedisClient = Redis | Cluster;

/**
 * Connection factory. Fails fast rather than queueing forever: a command that cannot be served
 * within `commandTimeoutMs` rejects, and the operation fails closed with STORE_UNAVAILABLE.
 */
export function createRedis(cfg: RedisConfig, overrides: Partial<RedisOptions> = {}): RedisClient {
  const common: RedisOptions = {
    keyPrefix: cfg.keyPrefix,
    commandTimeout: cfg.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(cfg.commandTimeoutMs, 1000),
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    lazyConnect: false,
    ...overrides,
  };
  if (cfg.clusterNodes) {
    return new Cluster(cfg.clusterNodes, {
      redisOptions: common,
      keyPrefix: cfg.keyPrefix,
      clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
      enableReadyCheck: true,
    });
  }
  return new Redis(cfg.url, common);
}

/** Hash-tagged key part: every key of one resource shares it, so multi-key updates stay on one slot. */
export function tag(...parts: string[]): string {
  return `{${parts.join(':')}}`;
}

/** Deletes every key under `prefix` (the client's own keyPrefix is NOT applied). Used by test cleanup. */
export async function deleteByPrefix(client: RedisClient, fullPrefix: string): Promise<number> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${fullPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        // keyPrefix would be prepended again; strip it for the DEL.
        const bare = k.startsWith(node.options.keyPrefix ?? '') ? k.slice((node.options.keyPrefix ?? '').length) : k;
        deleted += await node.del(bare);
      }
    } while (cursor !== '0');
  }
  return deleted;
}
