import { pipelined, type RedisClient } from '../../../shared/redis';
import { pathPosition } from '../domain/cursor';
import type { AccessedPageQuery, BoundKeyRef } from '../domain/ports';
import type { Page, RevealMeta, SecretMeta } from '../domain/secret';
import { checkProject, usedIndexKey } from './keyLayout';
import type { SecretCommands } from './secretCommands';
import { disjointPrefixes } from './secretIndexes';
import { readMetaMany } from './secretRecords';

/**
 * The last-access index of each KMS key (`sec:idx:{p}:used:<region>:<identity>`, keyLayout.ts):
 * paths once revealed, scored by the last reveal (ms). It backs Secret.lastAccessedAt and
 * boundSecrets / boundSecretCount(accessedSince). An entry can outlive its secret (see
 * secretIndexes.ts), so every read checks it against the secret's metadata.
 */
export class LastAccessIndex {
  constructor(private readonly redis: RedisClient, private readonly scripts: SecretCommands) {}

  /**
   * Records a reveal of `secret` at `atMs` in its key's last-access index, unless the stored time
   * is less than `windowMs` older. True if it wrote.
   */
  async recordAccess(secret: RevealMeta, atMs: number, windowMs: number): Promise<boolean> {
    checkProject(secret.project);
    return this.scripts.recordAccess({ usedIndex: usedIndexKey(secret.project, secret.region, secret.kmsKeyIdentity), path: secret.path, atMs, windowMs });
  }

  /**
   * Last reveal (ms) of many secrets in one pipelined round trip; null if never revealed. A time
   * before the secret's creation belongs to an earlier secret at the path (an index entry a crash
   * left behind) and is not reported.
   */
  async lastAccessedMany(secrets: RevealMeta[]): Promise<(number | null)[]> {
    for (const s of secrets) checkProject(s.project);
    const res = await pipelined(this.redis, secrets.map((s) => ['zscore', usedIndexKey(s.project, s.region, s.kmsKeyIdentity), s.path]));
    return res.map((v, i) => {
      if (v === null || v === undefined) return null;
      const ms = Number(v);
      return Number.isFinite(ms) && ms >= Date.parse(secrets[i].createdAt) ? ms : null;
    });
  }

  /**
   * boundSecretCount(accessedSince) for many keys in one pipelined round trip: ZCOUNT of each key's
   * last-access index, or with path confinement an exact count within the prefixes (one script per
   * key, in the same round trip).
   */
  async boundSecretCountsAccessed(project: string, keys: BoundKeyRef[], sinceMs: number, prefixes: string[] | null): Promise<number[]> {
    checkProject(project);
    const roots = rootsOf(prefixes);
    const res = await pipelined(
      this.redis,
      keys.map((k) => {
        const usedIndex = usedIndexKey(project, k.region, k.identity);
        return roots === null ? ['zcount', usedIndex, sinceMs, '+inf'] : this.scripts.accessedCommand({ usedIndex, sinceMs, after: null, limit: 0, roots });
      }),
    );
    return res.map((n) => Number(n));
  }

  /**
   * Pages of boundSecrets(accessedSince) for many keys: one pipelined script round trip for all
   * keys (each returns its next matching paths in path order, filtered by time and prefixes), one
   * pipelined metadata read. Pages are complete: an entry whose secret is gone is skipped and that
   * key's page is topped up from where it stopped.
   */
  async boundSecretsAccessedMany(project: string, queries: AccessedPageQuery[], prefixes: string[] | null): Promise<Page<SecretMeta>[]> {
    checkProject(project);
    const roots = rootsOf(prefixes) ?? [];
    const state = queries.map((q) => ({ q, after: pathPosition(q.after), found: [] as SecretMeta[], more: true }));
    const open = () => state.filter((s) => s.more && s.found.length <= s.q.first);
    for (let round = 0; round < 10 && open().length > 0; round++) {
      const todo = open();
      const lists = (await pipelined(
        this.redis,
        todo.map((s) =>
          this.scripts.accessedCommand({
            usedIndex: usedIndexKey(project, s.q.region, s.q.identity), sinceMs: s.q.sinceMs, after: s.after, limit: s.q.first + 1 - s.found.length, roots,
          }),
        ),
      )) as string[][];
      const hits = lists.map(pairs);
      const all = [...new Set(hits.flat().map((h) => h.path))];
      const metas = await readMetaMany(this.redis, project, all);
      const byPath = new Map(all.map((p, i) => [p, metas[i]]));
      todo.forEach((s, i) => {
        const want = s.q.first + 1 - s.found.length;
        for (const h of hits[i]) {
          const m = byPath.get(h.path);
          if (m && m.region === s.q.region && m.kmsKeyIdentity === s.q.identity && h.ms >= Date.parse(m.createdAt)) s.found.push(m);
        }
        if (hits[i].length) s.after = hits[i][hits[i].length - 1].path;
        s.more = hits[i].length === want;
      });
    }
    return state.map((s) => {
      // first + 1 matches tell that a next page exists.
      if (s.found.length > s.q.first) {
        const nodes = s.found.slice(0, s.q.first);
        return { nodes, hasNextPage: true, endCursor: nodes.length ? nodes[nodes.length - 1].path : s.q.after ?? null };
      }
      const last = s.found.length ? s.found[s.found.length - 1].path : null;
      if (!s.more) return { nodes: s.found, hasNextPage: false, endCursor: last ?? null };
      // Rounds spent skipping dangling entries: a short page whose cursor resumes after what was examined.
      return { nodes: s.found, hasNextPage: true, endCursor: s.after ?? s.q.after ?? null };
    });
  }
}

/** The ACCESSED script's roots for a confinement; null when nothing is confined. */
function rootsOf(prefixes: string[] | null): string[] | null {
  if (!prefixes || prefixes.length === 0) return null;
  const roots = disjointPrefixes(prefixes);
  return roots.includes('') ? null : roots;
}

function pairs(flat: string[]): { path: string; ms: number }[] {
  const out: { path: string; ms: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ path: flat[i], ms: Number(flat[i + 1]) });
  return out;
}
