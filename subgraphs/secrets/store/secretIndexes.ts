import { pathAllowedBy, pathUnderPrefix } from '../../../shared/principal';
import { pipelined, type Command, type RedisClient } from '../../../shared/redis';
import { pathPosition } from '../domain/cursor';
import type { BoundKeyRef, BoundPageQuery, ListSecretsQuery } from '../domain/ports';
import type { Page, SecretMeta } from '../domain/secret';
import { allIndexKey, boundIndexKey, checkProject } from './keyLayout';
import { readIdentityMany, readMeta, readMetaMany } from './secretRecords';

/** Index entries examined at most per filtered listing call (a sparse filter returns a short page + cursor). */
const MAX_SCANNED_PER_PAGE = 5_000;
const LIST_CHUNK = 200;

/**
 * The per-project indexes (key layout in keyLayout.ts): every path, and the paths bound to each
 * KMS key; listings, pages and counts read them.
 *
 * Index keys live in another slot than the secret, so they cannot share its script. Order of
 * writes keeps the safe direction on a crash: create adds index entries BEFORE the secret (and
 * again after it), delete removes them AFTER it and then re-adds those of a secret created
 * meanwhile (see unindex). A crash can thus leave an entry without a secret (readers skip it;
 * boundSecretCount may over-count, which errs towards "key still in use"), never a secret missing
 * from the index. indexRepair.ts rebuilds both from the secrets themselves.
 */
export class SecretIndexes {
  constructor(private readonly redis: RedisClient) {}

  /** The entries of a secret: in the project's index and its key's. */
  async index(s: Pick<SecretMeta, 'project' | 'path' | 'region' | 'kmsKeyIdentity'>): Promise<void> {
    await this.redis.multi().zadd(allIndexKey(s.project), 0, s.path).zadd(boundIndexKey(s.project, s.region, s.kmsKeyIdentity), 0, s.path).exec();
  }

  /**
   * Removes a path from index keys, then re-reads the secret and re-adds whatever is live. The
   * index keys are in another slot than the secret, so no script can check both; instead the
   * removal is followed by a read, and create writes its entries again after its script: a
   * create that races a delete of the previous secret at the same path either ran its script
   * before this read (re-added here) or after it (re-added by the create), so a live secret
   * never stays missing from its indexes.
   */
  async unindex(project: string, path: string, keys: string[]): Promise<void> {
    const m = this.redis.multi();
    for (const k of keys) m.zrem(k, path);
    await m.exec();
    const live = await readMeta(this.redis, project, path);
    if (live) await this.index(live);
  }

  /**
   * Secrets of a project in path order, from `pathPrefix`, after the cursor. With both region and
   * kmsKeyIdentity the bound-key index is read directly; other filters are applied to the fetched
   * metadata, examining at most MAX_SCANNED_PER_PAGE entries (then a short page with a cursor).
   * Each chunk costs two round trips (index range + one pipelined metadata fetch).
   */
  async listSecrets(project: string, o: ListSecretsQuery): Promise<Page<SecretMeta>> {
    checkProject(project);
    const index = o.region && o.kmsKeyIdentity ? boundIndexKey(project, o.region, o.kmsKeyIdentity) : allIndexKey(project);
    const accept = (s: SecretMeta) =>
      (!o.region || s.region === o.region) &&
      (!o.kmsKeyIdentity || s.kmsKeyIdentity === o.kmsKeyIdentity) &&
      pathAllowedBy(o.allowedPrefixes, s.path);
    const read = o.identityOnly ? readIdentityMany : readMetaMany;
    return this.pageOfIndex(project, index, o.pathPrefix ?? '', o.first, o.after ?? null, accept, read);
  }

  /** Secrets bound to one KMS key (KmsKey.boundSecrets). */
  async boundSecrets(project: string, key: BoundKeyRef, first: number, after?: string | null): Promise<Page<SecretMeta>> {
    checkProject(project);
    return this.pageOfIndex(project, boundIndexKey(project, key.region, key.identity), '', first, after ?? null, (s) =>
      s.region === key.region && s.kmsKeyIdentity === key.identity,
    );
  }

  /**
   * First pages of boundSecrets for many keys at once: one pipelined index read for all keys, one
   * pipelined metadata read for all paths (two round trips, whatever the number of keys).
   */
  async boundSecretsMany(project: string, keys: BoundPageQuery[]): Promise<Page<SecretMeta>[]> {
    checkProject(project);
    const lists = (await pipelined(
      this.redis,
      keys.map((k) => ['zrangebylex', boundIndexKey(project, k.region, k.identity), lexMin('', pathPosition(k.after)), lexMax(''), 'LIMIT', 0, k.first + 1]),
    )) as string[][];
    const all = [...new Set(lists.flat())];
    const metas = await readMetaMany(this.redis, project, all);
    const byPath = new Map(all.map((p, i) => [p, metas[i]]));
    return keys.map((k, i) => {
      const nodes = lists[i]
        .slice(0, k.first)
        .map((p) => byPath.get(p))
        .filter((s): s is SecretMeta => !!s && s.region === k.region && s.kmsKeyIdentity === k.identity);
      // A dangling index entry (see class comment) can only make a page short, never wrong.
      const hasNextPage = lists[i].length > k.first;
      const last = k.first > 0 ? lists[i].slice(0, k.first).pop() : undefined;
      return { nodes, hasNextPage, endCursor: last ?? k.after ?? null };
    });
  }

  /** KmsKey.boundSecretCount for many keys in one pipelined round trip (ZCARD of each bound index). */
  async boundSecretCounts(project: string, keys: BoundKeyRef[]): Promise<number[]> {
    checkProject(project);
    const res = await pipelined(this.redis, keys.map((k) => ['zcard', boundIndexKey(project, k.region, k.identity)]));
    return res.map((n) => Number(n));
  }

  /**
   * KmsKey.boundSecretCount for a token confined to path prefixes: for each key, the exact number
   * of bound index entries admitted by the prefixes (whole segments, like pathUnderPrefix: `p`
   * admits `p` and `p/…`). Overlapping prefixes are reduced first, so nothing is counted twice.
   * One pipelined round trip of ZLEXCOUNTs, whatever the number of keys.
   */
  async boundSecretCountsWithin(project: string, keys: BoundKeyRef[], prefixes: string[]): Promise<number[]> {
    checkProject(project);
    const roots = disjointPrefixes(prefixes);
    const commands: Command[] = [];
    for (const k of keys) {
      const key = boundIndexKey(project, k.region, k.identity);
      for (const r of roots) {
        if (r === '') commands.push(['zcard', key]);
        else commands.push(['zlexcount', key, `[${r}`, `[${r}`], ['zlexcount', key, `[${r}/`, `(${r}0`]); // '0' follows '/'
      }
    }
    const res = await pipelined(this.redis, commands);
    const perKey = roots.reduce((n, r) => n + (r === '' ? 1 : 2), 0);
    return keys.map((_, i) => res.slice(i * perKey, (i + 1) * perKey).reduce((n: number, v) => n + Number(v), 0));
  }

  private async pageOfIndex(
    project: string,
    index: string,
    pathPrefix: string,
    first: number,
    after: string | null,
    accept: (s: SecretMeta) => boolean,
    read: typeof readMetaMany = readMetaMany,
  ): Promise<Page<SecretMeta>> {
    const max = lexMax(pathPrefix);
    let min = lexMin(pathPrefix, pathPosition(after));
    const found: SecretMeta[] = [];
    let scanned = 0;
    let lastScanned: string | null = null;
    let exhausted = false;
    // first+1 entries tell whether a next page exists; later chunks only when filters skipped some.
    let chunk = first + 1;
    while (found.length <= first && scanned < MAX_SCANNED_PER_PAGE) {
      chunk = Math.min(chunk, MAX_SCANNED_PER_PAGE - scanned);
      const paths = await this.redis.zrangebylex(index, min, max, 'LIMIT', 0, chunk);
      const metas = await read(this.redis, project, paths);
      for (let i = 0; i < paths.length && found.length <= first; i++) {
        scanned++;
        lastScanned = paths[i];
        const s = metas[i];
        if (s && accept(s)) found.push(s);
      }
      if (found.length > first) break;
      if (paths.length < chunk) {
        exhausted = true;
        break;
      }
      min = `(${lastScanned}`;
      chunk = Math.max(first + 1, LIST_CHUNK);
    }
    if (found.length > first) {
      const page = found.slice(0, first);
      return { nodes: page, hasNextPage: true, endCursor: page.length ? page[page.length - 1].path : after };
    }
    if (exhausted) {
      return { nodes: found, hasNextPage: false, endCursor: found.length ? found[found.length - 1].path : null };
    }
    // Scan budget spent on a sparse filter: a short page; the cursor resumes after what was examined.
    return { nodes: found, hasNextPage: true, endCursor: lastScanned ?? after };
  }
}

/**
 * Prefixes without trailing slashes, minus any that another one already covers: what remains
 * admits disjoint sets of paths. '' (admits everything) wins alone.
 */
export function disjointPrefixes(prefixes: string[]): string[] {
  const norm = [...new Set(prefixes.map((p) => p.replace(/\/+$/, '')))].sort((a, b) => a.length - b.length);
  if (norm.includes('')) return [''];
  const out: string[] = [];
  for (const p of norm) if (!out.some((q) => pathUnderPrefix(p, q))) out.push(p);
  return out;
}

// Paths are ASCII; U+00FF encodes to bytes above any path byte, so `prefix\xff` bounds the range.
function lexMax(prefix: string): string {
  return prefix === '' ? '+' : `(${prefix}\xff`;
}

function lexMin(prefix: string, after: string | null): string {
  if (after !== null && after >= prefix) return `(${after}`;
  return prefix === '' ? '-' : `[${prefix}`;
}
