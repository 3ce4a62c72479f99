import { isKeyIdentity } from '../../../shared/identifiers';
import type { RegionRegistry } from '../../../shared/regions';
import type { AccessIndex, AccessedPageQuery, BoundKeyRef, BoundPageQuery, SecretIndexReads } from './ports';
import type { Page, SecretMeta } from './secret';
import type { SecretsManager } from './secretsManager';

/**
 * The reverse edge of the key binding ("which secrets use this key?"), read in batches: every
 * method takes many keys, so a page of keys costs a constant number of store round trips. A token
 * confined to path prefixes sees and counts only its own paths.
 */
export class KeyBindings {
  constructor(
    private readonly store: SecretIndexReads & Pick<AccessIndex, 'boundSecretCountsAccessed' | 'boundSecretsAccessedMany'>,
    private readonly regions: RegionRegistry,
    /** Confined pages are listings, validated like `secrets(...)`. */
    private readonly listing: Pick<SecretsManager, 'listSecrets'>,
  ) {}

  /** A KmsKey reference as another subgraph sends it: a known region and a well-formed identity, else null. */
  keyReference(ref: { region?: unknown; identity?: unknown }): BoundKeyRef | null {
    if (typeof ref.region !== 'string' || !this.regions.has(ref.region)) return null;
    if (!isKeyIdentity(ref.identity)) return null;
    return { region: ref.region, identity: ref.identity };
  }

  /**
   * KmsKey.boundSecrets pages. Unconfined: the bound-key index of each key, in one batch. Confined:
   * a filtered listing per key (the index holds every path; the listing applies the prefixes),
   * where each key fails on its own (an Error in its place).
   */
  async boundSecretPages(project: string, queries: BoundPageQuery[], prefixes: string[] | null): Promise<(Page<SecretMeta> | Error)[]> {
    if (!prefixes || prefixes.length === 0) return this.store.boundSecretsMany(project, queries);
    return Promise.all(
      queries.map((q) =>
        this.listing
          .listSecrets(project, { region: q.region, kmsKeyIdentity: q.identity, first: q.first, after: q.after ?? null }, prefixes)
          .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      ),
    );
  }

  /** KmsKey.boundSecretCount: every bound path, or exactly those within a confined token's prefixes. */
  boundSecretCounts(project: string, keys: BoundKeyRef[], prefixes: string[] | null): Promise<number[]> {
    if (!prefixes || prefixes.length === 0) return this.store.boundSecretCounts(project, keys);
    return this.store.boundSecretCountsWithin(project, keys, prefixes);
  }

  /** boundSecretCount(accessedSince): the last-access index applies the prefixes itself. */
  accessedCounts(project: string, keys: BoundKeyRef[], sinceMs: number, prefixes: string[] | null): Promise<number[]> {
    return this.store.boundSecretCountsAccessed(project, keys, sinceMs, prefixes);
  }

  /** boundSecrets(accessedSince) pages. */
  accessedPages(project: string, queries: AccessedPageQuery[], prefixes: string[] | null): Promise<Page<SecretMeta>[]> {
    return this.store.boundSecretsAccessedMany(project, queries, prefixes);
  }
}
