import { readFileSync } from 'node:fs';
import defaults from './regions.json';

/** One region of the registry: its name and the URL of its kms subgraph, or null when it has no KMS. */
export interface Region {
  name: string;
  kmsUrl: string | null;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The region registry, read by the gateway and by the secrets subgraph's KMS client alike,
 * so both always agree on where each region's KMS lives.
 */
export class RegionRegistry {
  private readonly byName: Map<string, Region>;

  constructor(readonly defaultRegion: string, regions: Region[]) {
    this.byName = new Map();
    for (const r of regions) {
      if (!REGION_NAME.test(r.name)) throw new Error(`region registry: invalid region name "${r.name}"`);
      if (this.byName.has(r.name)) throw new Error(`region registry: region "${r.name}" listed twice`);
      if (r.kmsUrl !== null) {
        try {
          const u = new URL(r.kmsUrl);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
        } catch {
          throw new Error(`region registry: region "${r.name}" has an invalid kmsUrl`);
        }
      }
      this.byName.set(r.name, { name: r.name, kmsUrl: r.kmsUrl });
    }
    if (!this.byName.has(defaultRegion)) {
      throw new Error(`region registry: default region "${defaultRegion}" is not listed`);
    }
  }

  get(name: string): Region | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): Region[] {
    return [...this.byName.values()];
  }

  /** Regions that have a KMS endpoint. */
  withKms(): Region[] {
    return this.list().filter((r) => r.kmsUrl !== null);
  }

  /**
   * Compact form used by env overrides and docker-compose:
   * `us-east-1=http://kms-use1:4101/graphql,eu-west-1=http://…,ap-southeast-2=`
   * (an empty URL means "listed, no KMS").
   */
  static parseCompact(spec: string, defaultRegion?: string): RegionRegistry {
    const regions: Region[] = [];
    for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = part.indexOf('=');
      const name = (eq < 0 ? part : part.slice(0, eq)).trim();
      const url = eq < 0 ? '' : part.slice(eq + 1).trim();
      regions.push({ name, kmsUrl: url === '' ? null : url });
    }
    if (regions.length === 0) throw new Error('region registry: REGIONS is empty');
    return new RegionRegistry(defaultRegion ?? regions[0].name, regions);
  }

  static fromJson(json: unknown, defaultOverride?: string): RegionRegistry {
    const j = json as { defaultRegion?: unknown; regions?: unknown };
    if (!j || !Array.isArray(j.regions)) throw new Error('region registry: file must have a "regions" array');
    const regions = j.regions.map((r: { name?: unknown; kmsUrl?: unknown }) => {
      if (typeof r?.name !== 'string') throw new Error('region registry: every region needs a "name"');
      if (r.kmsUrl !== null && r.kmsUrl !== undefined && typeof r.kmsUrl !== 'string') {
        throw new Error(`region registry: region "${r.name}" kmsUrl must be a string or null`);
      }
      return { name: r.name, kmsUrl: (r.kmsUrl as string | null | undefined) ?? null };
    });
    const def = defaultOverride ?? (typeof j.defaultRegion === 'string' ? j.defaultRegion : regions[0]?.name);
    return new RegionRegistry(def, regions);
  }

  static fromFile(path: string, defaultOverride?: string): RegionRegistry {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new Error(`REGIONS_FILE: cannot read ${path}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`REGIONS_FILE: ${path} is not valid JSON`);
    }
    return RegionRegistry.fromJson(json, defaultOverride);
  }

  /** The built-in dev registry: us-east-1 and eu-west-1 with KMS, ap-southeast-2 without. */
  static defaults(defaultOverride?: string): RegionRegistry {
    return RegionRegistry.fromJson(defaults, defaultOverride);
  }
}
