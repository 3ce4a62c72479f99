import { badInput } from '../../../../shared/errors';
import { isKeyIdentity } from '../../../../shared/identifiers';
import type { KeyVersionInfo, KmsKeyRecord } from '../keyRing';
import type { KeyStatus } from '../keyTypes';
import type { KeyRef } from '../ports';
import type { KeyRingCore } from './keyRingCore';

/** Reads of key state: the paged listing, and the batch reads behind the per-request DataLoaders. */

const MAX_LIST_SCAN = 10_000;

export interface KeyPage {
  nodes: KmsKeyRecord[];
  /** The identity the next page starts after (sealed into the client's cursor by the resolver). */
  endCursor: string | null;
  hasNextPage: boolean;
}

export async function listKeys(core: KeyRingCore, project: string, status: KeyStatus | null, first: number, after: string | null): Promise<KeyPage> {
  if (!Number.isInteger(first) || first < 0 || first > 1000) throw badInput('first must be between 0 and 1000', { field: 'first' });
  if (after !== null && !isKeyIdentity(after)) throw badInput('after is not a valid cursor', { field: 'after' });
  const nodes: KmsKeyRecord[] = [];
  let cursor = after;
  let scanned = 0;
  // Status is a filter over the lexicographic index: read pages until enough match.
  for (;;) {
    const chunk = Math.max(first + 1, 100);
    const ids = await core.store.listIdentities(core.region, project, cursor, chunk);
    const recs = await core.store.getMany(ids.map((id) => core.ref(project, id)));
    for (let i = 0; i < ids.length; i++) {
      const rec = recs[i];
      if (!rec || (status && rec.status !== status)) continue;
      if (nodes.length === first) {
        return { nodes, endCursor: nodes.length ? nodes[nodes.length - 1].identity : cursor, hasNextPage: true };
      }
      nodes.push(rec);
    }
    if (ids.length < chunk) break;
    cursor = ids[ids.length - 1];
    scanned += ids.length;
    // Bounded work per request: a sparse filter hands back a cursor at the last key read.
    if (scanned >= MAX_LIST_SCAN) return { nodes, endCursor: cursor, hasNextPage: true };
  }
  return { nodes, endCursor: nodes.length ? nodes[nodes.length - 1].identity : null, hasNextPage: false };
}

export function readKeys(core: KeyRingCore, refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]> {
  return core.store.getMany(refs);
}

/** Most versions KmsKey.versions lists: the newest ones, so a key rotated for years stays one bounded read. */
export const MAX_VERSIONS_LISTED = 1000;

/** The newest MAX_VERSIONS_LISTED versions of each key, oldest first. */
export async function readVersions(core: KeyRingCore, refs: readonly KeyRef[]): Promise<KeyVersionInfo[][]> {
  const lists = await core.store.versionsMany(refs, MAX_VERSIONS_LISTED);
  return lists.map((l) => l.slice(-MAX_VERSIONS_LISTED));
}

/** KmsKey.versions(last): BAD_USER_INPUT outside 0..MAX_VERSIONS_LISTED. */
export function validateVersionsLast(last: number): number {
  if (!Number.isInteger(last) || last < 0 || last > MAX_VERSIONS_LISTED) {
    throw badInput(`last must be between 0 and ${MAX_VERSIONS_LISTED}`, { field: 'last' });
  }
  return last;
}

export function readLastUsed(core: KeyRingCore, refs: readonly KeyRef[]): Promise<(Date | null)[]> {
  return core.usage.lastUsedMany(refs);
}
