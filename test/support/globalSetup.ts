import { randomBytes } from 'node:crypto';

/** One key prefix per test run; each worker adds its own id (workerEnv.ts). */
export default async function globalSetup(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  process.env.TEST_RUN_PREFIX = `test:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}
