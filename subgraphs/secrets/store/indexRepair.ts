import { Cluster } from 'ioredis';
import type { RedisClient } from '../../../shared/redis';
import { PATH_RE } from '../domain/secretInput';
import { allIndexKey, boundIndexKey, checkProject, projectKeyPrefixes } from './keyLayout';
import { readMetaMany } from './secretRecords';

/**
 * Rebuilds the project's indexes from the secrets themselves (SCAN of the meta keys): adds what
 * is missing, removes entries whose secret is gone or bound elsewhere (re-checked just before
 * removal, so a secret created meanwhile keeps its entry). Returns what it changed. Run by
 * `npm run repair-indexes` (scripts/repairIndexes.ts) after a crash left entries behind.
 */
export async function repairIndexes(redis: RedisClient, project: string): Promise<{ secrets: number; added: number; removed: number }> {
  checkProject(project);
  const prefix = keyPrefixOf(redis);
  const names = projectKeyPrefixes(project);
  const [metaKeys, boundKeys, usedKeys] = await Promise.all([
    scanAll(redis, `${globEscape(prefix + names.secret)}*}:meta`),
    scanAll(redis, `${globEscape(prefix + names.bound)}*`),
    scanAll(redis, `${globEscape(prefix + names.used)}*`),
  ]);
  const head = prefix + names.secret;
  const paths = metaKeys
    .filter((k) => k.startsWith(head) && k.endsWith('}:meta'))
    .map((k) => k.slice(head.length, -'}:meta'.length))
    .filter((p) => PATH_RE.test(p));
  const metas = await readMetaMany(redis, project, paths);
  const want = new Map<string, Set<string>>(); // index key → paths
  const add = (key: string, path: string) => (want.get(key) ?? want.set(key, new Set()).get(key)!).add(path);
  const all = allIndexKey(project);
  want.set(all, new Set());
  for (const s of metas) {
    if (!s) continue;
    add(all, s.path);
    add(boundIndexKey(project, s.region, s.kmsKeyIdentity), s.path);
  }
  for (const k of boundKeys) if (k.startsWith(prefix)) want.has(k.slice(prefix.length)) || want.set(k.slice(prefix.length), new Set());
  let added = 0;
  let removed = 0;
  for (const [key, paths] of want) {
    const have = new Set(await redis.zrange(key, 0, -1));
    const missing = [...paths].filter((p) => !have.has(p));
    if (missing.length) added += Number(await redis.zadd(key, ...missing.flatMap((p) => [0, p])));
    const extra = [...have].filter((p) => !paths.has(p));
    if (extra.length) {
      const now = await readMetaMany(redis, project, extra);
      const bound = key === all ? null : key.slice(names.bound.length);
      const stale = extra.filter((p, i) => !now[i] || (bound !== null && `${now[i]!.region}:${now[i]!.kmsKeyIdentity}` !== bound));
      if (stale.length) removed += Number(await redis.zrem(key, ...stale));
    }
  }
  // Last-access entries cannot be rebuilt (only reveals write them); those of secrets gone or
  // bound elsewhere are removed, re-checked just before removal like the entries above.
  for (const k of usedKeys) {
    if (!k.startsWith(prefix)) continue;
    const key = k.slice(prefix.length);
    const bound = key.slice(names.used.length);
    const members = await redis.zrange(key, 0, -1);
    if (!members.length) continue;
    const now = await readMetaMany(redis, project, members);
    const stale = members.filter((p, i) => !now[i] || `${now[i]!.region}:${now[i]!.kmsKeyIdentity}` !== bound);
    if (stale.length) removed += Number(await redis.zrem(key, ...stale));
  }
  return { secrets: metas.filter(Boolean).length, added, removed };
}

function keyPrefixOf(redis: RedisClient): string {
  return ((redis.options as { keyPrefix?: string }).keyPrefix ?? '') as string;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** SCAN on every master (keyPrefix is not applied to MATCH, so patterns carry it). */
async function scanAll(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}
