import Redis from 'ioredis';
import { deleteByPrefix } from '../../shared/redis';

/** Removes only this run's keys: the Redis is shared with everything else on the machine. */
export default async function globalTeardown(): Promise<void> {
  const prefix = process.env.TEST_RUN_PREFIX;
  if (!prefix) return;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteByPrefix(redis, prefix);
  } catch {
    // Redis gone: nothing left to clean.
  } finally {
    redis.disconnect();
  }
}
