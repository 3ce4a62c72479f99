import { CircuitBreaker, DEFAULT_BREAKER, type BreakerSettings } from '../shared/circuitBreaker';
import type { RegionRegistry } from '../shared/regions';

/** One circuit breaker per region with a KMS endpoint: a dead region fails fast, the others are untouched. */
export class RegionCircuits {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(regions: RegionRegistry, settings: BreakerSettings = DEFAULT_BREAKER) {
    for (const r of regions.withKms()) this.breakers.set(r.name, new CircuitBreaker({ ...settings }));
  }

  get(region: string): CircuitBreaker | undefined {
    return this.breakers.get(region);
  }
}
