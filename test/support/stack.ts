import { LocalStack } from '../../scripts/localStack';
import { testPrefix } from './env';

export { KMS_REGIONS, type GqlResponse } from '../../scripts/localStack';

export interface StackOptions {
  label?: string;
  /** Extra env for every service (e.g. SUBGRAPH_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** Per-service Redis URL (e.g. a TcpProxy that a test can cut). Names: platform, gateway, secrets, kms-<region>. */
  redisUrls?: Record<string, string>;
  /** One kms subgraph per region of KMS_REGIONS (started first; their URLs form the REGIONS registry). */
  kms?: boolean;
  /** The secrets subgraph (SECRETS_URL of the gateway). */
  secrets?: boolean;
}

/**
 * The whole stack in this process (scripts/localStack.ts) under this test's own Redis key prefix
 * (cleaned up with the worker's prefix), at REDIS_URL.
 */
export class Stack extends LocalStack {
  constructor(opts: StackOptions = {}) {
    super({
      keyPrefix: testPrefix(opts.label ?? 'stack'),
      redisUrl: process.env.REDIS_URL,
      env: opts.env,
      redisUrls: opts.redisUrls,
      kms: opts.kms,
      secrets: opts.secrets,
    });
  }
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  return new Stack(opts).start();
}
