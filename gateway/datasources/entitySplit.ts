import { internalFormattedError } from '../../shared/errors';
import type { GraphQLFormattedError } from 'graphql';

/** The representations of one `_entities` fetch that belong to one region, with their original positions. */
export interface RegionBatch {
  region: string;
  indices: number[];
  representations: Record<string, unknown>[];
}

/**
 * Splits `_entities` representations by their `region` key field (a representation without one
 * runs in the request's region). Representations naming a region outside the registry go to
 * `unknown`: they resolve to null, since no key can live there.
 */
export function splitByRegion(
  representations: unknown[],
  requestRegion: string,
  isKnownRegion: (name: string) => boolean,
): { batches: RegionBatch[]; unknown: number[] } {
  const byRegion = new Map<string, RegionBatch>();
  const unknown: number[] = [];
  representations.forEach((rep, i) => {
    const r = rep && typeof rep === 'object' ? (rep as Record<string, unknown>) : null;
    const region = r && typeof r.region === 'string' ? r.region : r && !('region' in r) ? requestRegion : null;
    if (r === null || region === null || !isKnownRegion(region)) {
      unknown.push(i);
      return;
    }
    let batch = byRegion.get(region);
    if (!batch) {
      batch = { region, indices: [], representations: [] };
      byRegion.set(region, batch);
    }
    batch.indices.push(i);
    batch.representations.push(r);
  });
  return { batches: [...byRegion.values()], unknown };
}

/** What one region's fetch gave: its entities in batch order plus its errors, or a failure error per entity. */
export type BatchResult =
  | { ok: true; entities: unknown[] | null; errors?: readonly GraphQLFormattedError[] }
  | { ok: false; errorFor: (path: (string | number)[]) => GraphQLFormattedError };

/**
 * Puts per-region results back in the original order. Entity error paths (`_entities`, j, …) are
 * renumbered to the original index; a failed region yields null entities and one error per entity.
 */
export function mergeBatches(total: number, batches: RegionBatch[], results: BatchResult[]): { _entities: unknown[]; errors: GraphQLFormattedError[] } {
  const entities: unknown[] = new Array(total).fill(null);
  const errors: GraphQLFormattedError[] = [];
  batches.forEach((batch, b) => {
    const result = results[b];
    if (!result.ok) {
      for (const i of batch.indices) errors.push(result.errorFor(['_entities', i]));
      return;
    }
    const got = Array.isArray(result.entities) && result.entities.length === batch.indices.length ? result.entities : null;
    if (got) batch.indices.forEach((i, j) => (entities[i] = got[j] ?? null));
    // A malformed answer with nothing to say why must not pass for "not found".
    else if (!result.errors?.length) errors.push(internalFormattedError(['_entities', batch.indices[0]]));
    for (const e of result.errors ?? []) {
      const p = e.path;
      if (p && p[0] === '_entities' && typeof p[1] === 'number' && batch.indices[p[1]] !== undefined) {
        errors.push({ ...e, path: ['_entities', batch.indices[p[1]], ...p.slice(2)] });
      } else {
        errors.push(e);
      }
    }
  });
  return { _entities: entities, errors };
}
