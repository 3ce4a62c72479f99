import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../shared/config';
import { createRedis, deleteByPrefix, type RedisClient } from '../../shared/redis';

/** A unique key prefix under this worker's prefix, for one test file or scenario. */
export function testPrefix(label: string): string {
  return `${process.env.REDIS_KEY_PREFIX ?? 'test:adhoc:'}${label}:${randomBytes(3).toString('hex')}:`;
}

/** Test config: real Redis, an isolated key prefix, random secrets, free ports (port 0). */
export function testConfig(overrides: Record<string, string | undefined> = {}, label = 'x'): Config {
  return loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: testPrefix(label),
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    SERVICE_CREDENTIAL: randomBytes(32).toString('base64url'),
    ROOT_TOKEN: randomBytes(32).toString('base64url'),
    KMS_ROOT_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/**
 * A Redis connection under a fresh test prefix (testConfig's), and `close`, which deletes that
 * prefix's keys (through an unprefixed connection: SCAN does not apply the prefix) and disconnects.
 */
export function prefixedRedis(label: string): { redis: RedisClient; close(): Promise<void> } {
  const cfg = testConfig({}, label);
  const redis = createRedis(cfg.redis);
  return {
    redis,
    async close() {
      const raw = createRedis({ ...cfg.redis, keyPrefix: '' });
      try {
        await deleteByPrefix(raw, cfg.redis.keyPrefix);
      } finally {
        raw.disconnect();
        redis.disconnect();
      }
    },
  };
}
