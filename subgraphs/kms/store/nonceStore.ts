import type { RedisClient } from '../../../shared/redis';

/**
 * Nonces of on-behalf-of assertions already accepted:
 *   kms:obo-nonce:{<nonce>}   string — kept until the assertion would have expired anyway
 */
export class NonceStore {
  constructor(private readonly redis: RedisClient) {}

  /** True the first time a nonce is claimed (SET NX), false on every replay. */
  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`kms:obo-nonce:{${nonce}}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }
}
