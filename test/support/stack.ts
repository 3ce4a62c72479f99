import { LocalStack, type LocalStackOptions } from '../../scripts/localStack';
import { testPrefix } from './env';

export { KMS_REGIONS, postGql, type ExtraSubgraph, type GqlResponse } from '../../scripts/localStack';

/** What LocalStackOptions offers (env, redisUrls, serviceEnv, kms, secrets, gateway, gatewayOptions, subgraphs); prefix and Redis are chosen here. */
export interface StackOptions extends Omit<LocalStackOptions, 'keyPrefix' | 'redisUrl'> {
  /** Names this test's Redis key prefix. */
  label?: string;
}

/**
 * The whole stack in this process (scripts/localStack.ts) under this test's own Redis key prefix
 * (cleaned up with the worker's prefix), at REDIS_URL.
 */
export class Stack extends LocalStack {
  constructor(opts: StackOptions = {}) {
    const { label, ...rest } = opts;
    super({ ...rest, keyPrefix: testPrefix(label ?? 'stack'), redisUrl: process.env.REDIS_URL });
  }
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  return new Stack(opts).start();
}
