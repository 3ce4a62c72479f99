import { LocalStack, type LocalStackOptions } from './localStack';
import { testPrefix } from './env';

export { composedSupergraph, KMS_REGIONS, startLocalGateway, type ExtraSubgraph } from './localStack';
export { postGql, type GqlResponse } from './gql';

/** What LocalStackOptions offers (env, redisUrls, serviceEnv, kms, secrets, gateway, gatewayOptions, subgraphs); prefix and Redis are chosen here. */
export interface StackOptions extends Omit<LocalStackOptions, 'keyPrefix' | 'redisUrl'> {
  /** Names this test's Redis key prefix. */
  label?: string;
}

/**
 * The whole stack in this process (localStack.ts) under this test's own Redis key prefix
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
