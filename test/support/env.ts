import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../shared/config';

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
