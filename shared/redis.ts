import { performance } from 'node:perf_hooks';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { RedisConfig, RedisWaitConfig } from './config';

/** Either a single node or a cluster: every store works with both (keys of one resource share a hash tag). */
export type RedisClient = Redis | Cluster;

/**
 * Commands sent on their own even with auto-pipelining: WAIT / WAITAOF count the writes of the
 * connection they are sent on and block it until they answer, so they must not wait in (or hold up)
 * a batch of other requests' commands; on a cluster they name no key a batch could be routed by.
 * SCAN: in an auto-pipeline ioredis puts the key prefix in front of its MATCH pattern a second time
 * (the patterns here already carry it), so it matched nothing and walked the whole keyspace.
 */
const NOT_AUTO_PIPELINED = ['wait', 'waitaof', 'scan'];

/**
 * Connection factory. Commands issued in the same event-loop turn (by concurrent requests) leave in
 * one socket write and one round trip (ioredis auto-pipelining): under load a write syscall per
 * command was the largest single cost of a subgraph request. Not on a cluster: there ioredis routes
 * a batch by its first command's first argument, which for our scripts (AuditLog's, called with the
 * key count first) is not a key, so a batch could go to a node that owns none of its keys.
 * Credentials in REDIS_URL win over REDIS_USERNAME / REDIS_PASSWORD (ioredis
 * merges the URL's first); cluster nodes get the configured ones and TLS through redisOptions.
 * Fails fast rather than queueing forever: a command that cannot be served
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
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.password ? { password: cfg.password } : {}),
    // The server's certificate is checked against the system CAs, or REDIS_TLS_CA_FILE's alone.
    ...(cfg.tls ? { tls: cfg.tls.ca ? { ca: cfg.tls.ca } : {} } : {}),
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
  return new Redis(cfg.url, { ...common, enableAutoPipelining: true, autoPipeliningIgnoredCommands: NOT_AUTO_PIPELINED });
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

const roundTripObservers = new WeakMap<RedisClient, (seconds: number) => void>();
/** Lets a service's metrics time this client's pipelined batches (shared/metrics.ts). */
export function observeRoundTrips(client: RedisClient, observe: (seconds: number) => void): void {
  roundTripObservers.set(client, observe);
}

/** One command of a pipelined batch: name and arguments, e.g. ['hgetall', key]. */
export type Command = [string, ...(string | number | Buffer)[]];

/**
 * Runs a batch of commands in one round trip on a single node (auto-pipelined, or as a pipeline when
 * the client does not auto-pipeline). On a cluster, where a pipeline may
 * only touch one slot, the batch is split per slot (run in parallel) and the results put back in
 * order. Errors of individual commands are thrown.
 */
export async function pipelined(client: RedisClient, commands: Command[]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  // Auto-pipelining (createRedis) already sends what is issued in one tick as one batch per node,
  // together with the other requests' commands: no separate pipeline (and write) for this one.
  const observe = roundTripObservers.get(client);
  const started = observe ? performance.now() : 0;
  if (client.options.enableAutoPipelining) {
    const c = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const out = await Promise.all(commands.map(([name, ...args]) => c[name](...args)));
    observe?.((performance.now() - started) / 1000);
    return out;
  }
  const groups = new Map<number, number[]>();
  if (client instanceof Cluster) {
    const prefix = client.options.keyPrefix ?? '';
    commands.forEach((c, i) => {
      const slot = calculateSlot(prefix + String(c[1]));
      const g = groups.get(slot);
      if (g) g.push(i);
      else groups.set(slot, [i]);
    });
  } else {
    groups.set(0, commands.map((_, i) => i));
  }
  const out = new Array<unknown>(commands.length);
  await Promise.all(
    [...groups.values()].map(async (idx) => {
      const res = (await client.pipeline(idx.map((i) => commands[i]) as any).exec()) ?? [];
      res.forEach(([err, val], j) => {
        if (err) throw err;
        out[idx[j]] = val;
      });
    }),
  );
  observe?.((performance.now() - started) / 1000);
  return out;
}

/**
 * PING that answers within `ms` either way: a cluster that refuses our credentials never becomes
 * ready and would hold a queued command forever, so readiness must not wait on the client alone.
 */
export async function pingWithin(client: RedisClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([client.ping().then((r) => r === 'PONG', () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The confirmation REDIS_WAIT_REPLICAS / REDIS_WAIT_AOF ask for, or null when none is configured:
 * resolves true when enough replicas (or AOFs) acknowledged within the timeout, false otherwise;
 * rejects when the command itself fails (a Redis before 7.2 has no WAITAOF).
 * WAIT and WAITAOF count the writes made on the connection they are sent on, so they go over the
 * client every store writes through (single node: one connection). They block that connection
 * until they answer, so commands queued behind them wait too: at most `timeoutMs`.
 */
export function writeConfirmation(client: RedisClient, wait: RedisWaitConfig | null | undefined): (() => Promise<boolean>) | null {
  if (!wait) return null;
  return async () => {
    if (wait.replicas > 0) {
      const acked = Number(await client.call('WAIT', String(wait.replicas), String(wait.timeoutMs)));
      if (acked < wait.replicas) return false;
    }
    if (wait.aof) {
      const [local, replicas] = (await client.call('WAITAOF', String(wait.aof.local), String(wait.aof.replicas), String(wait.timeoutMs))) as [number, number];
      if (Number(local) < wait.aof.local || Number(replicas) < wait.aof.replicas) return false;
    }
    return true;
  };
}
