import type { CircuitBreaker } from '../shared/circuitBreaker';
import { pingWithin, type RedisClient } from '../shared/redis';
import type { RegionRegistry } from '../shared/regions';
import type { RegionCircuits } from './regionCircuits';

export interface RegionHealth {
  name: string;
  default: boolean;
  kms: 'configured' | 'none';
  circuit: 'closed' | 'open' | 'half-open' | 'none';
}

/** A global subgraph's circuit as the gateway sees it (URLs are internal topology: not shown). */
export interface SubgraphHealth {
  name: string;
  circuit: 'closed' | 'open' | 'half-open';
}

export interface Readiness {
  status: 'ready' | 'unavailable';
  service: 'gateway';
  redis: 'ok' | 'unreachable';
  supergraph: 'loaded' | 'not-loaded';
  regions: RegionHealth[];
  subgraphs: SubgraphHealth[];
}

/** Each region's KMS as the gateway sees it. Endpoint URLs are internal topology: only "configured" is shown. */
export function regionHealth(regions: RegionRegistry, circuits: RegionCircuits): RegionHealth[] {
  return regions.list().map((r) => ({
    name: r.name,
    default: r.name === regions.defaultRegion,
    kms: r.kmsUrl ? 'configured' : 'none',
    circuit: circuits.get(r.name)?.state ?? 'none',
  }));
}

/** Ready = Redis answers a PING and the supergraph is loaded (API.md). Regions and subgraphs are reported, not required. */
export async function readiness(
  redis: RedisClient,
  supergraphLoaded: () => boolean,
  regions: RegionRegistry,
  circuits: RegionCircuits,
  timeoutMs: number,
  subgraphs: ReadonlyMap<string, CircuitBreaker> = new Map(),
): Promise<Readiness> {
  const redisOk = await pingWithin(redis, timeoutMs);
  const loaded = supergraphLoaded();
  return {
    status: redisOk && loaded ? 'ready' : 'unavailable',
    service: 'gateway',
    redis: redisOk ? 'ok' : 'unreachable',
    supergraph: loaded ? 'loaded' : 'not-loaded',
    regions: regionHealth(regions, circuits),
    subgraphs: [...subgraphs].map(([name, breaker]) => ({ name, circuit: breaker.state })),
  };
}
