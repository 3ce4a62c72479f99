import { Cluster } from 'ioredis';
import { isProjectName } from '../../../shared/identifiers';
import type { RedisClient } from '../../../shared/redis';
import { PATH_RE } from '../domain/secretInput';
import { secretKeyNames, storedBytesKey } from './keyLayout';

/**
 * A secret as stored, key for key (keyLayout.ts, secretScripts.ts): metadata, version records,
 * the versions' CIPHERTEXTS (never a value: only the KMS can open them), the live/order sets and
 * any reservation in flight. Indexes and the storedBytes counter are not part of it: restore
 * rebuilds them from the secrets (repairIndexes, recountStoredBytes). Used by `npm run backup` / `restore`.
 */
export interface SecretDump {
  project: string;
  path: string;
  meta: Record<string, string>;
  versions: Record<string, string>;
  values: Record<string, string>;
  live: [string, string][];
  order: [string, string][];
  pending: Record<string, string>;
}

const prefixOf = (redis: RedisClient) => ((redis.options as { keyPrefix?: string }).keyPrefix ?? '') as string;
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

async function scan(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const out = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) out.add(k);
    } while (cursor !== '0');
  }
  return [...out];
}

/** Every secret under the client's prefix (all projects, or one), sorted by project and path. */
export async function scanSecrets(redis: RedisClient, project?: string): Promise<{ project: string; path: string }[]> {
  const head = `${prefixOf(redis)}sec:{`;
  const keys = await scan(redis, `${globEscape(head)}${project ? globEscape(`${project}:`) : ''}*}:meta`);
  const out: { project: string; path: string }[] = [];
  for (const k of keys) {
    if (!k.startsWith(head) || !k.endsWith('}:meta')) continue;
    // Projects never hold ':' and paths never hold ':' or braces, so the tag splits at its first ':'.
    const inner = k.slice(head.length, -'}:meta'.length);
    const at = inner.indexOf(':');
    const p = inner.slice(0, at);
    const path = inner.slice(at + 1);
    if (at > 0 && isProjectName(p) && PATH_RE.test(path)) out.push({ project: p, path });
  }
  return out.sort((a, b) => (a.project === b.project ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.project < b.project ? -1 : 1));
}

const pairs = (flat: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
};

/** The six keys of the secret read in one transaction (one slot): one consistent state; null if gone. */
export async function readSecretDump(redis: RedisClient, project: string, path: string): Promise<SecretDump | null> {
  const n = secretKeyNames(project, path);
  const res = await redis.multi()
    .hgetall(n.meta).hgetall(n.versions).hgetall(n.values)
    .zrange(n.live, 0, -1, 'WITHSCORES').zrange(n.order, 0, -1, 'WITHSCORES').hgetall(n.pending)
    .exec();
  if (!res) throw new Error('transaction aborted');
  for (const [err] of res) if (err) throw err;
  const [meta, versions, values, live, order, pending] = res.map(([, v]) => v) as [
    Record<string, string>, Record<string, string>, Record<string, string>, string[], string[], Record<string, string>,
  ];
  if (!meta || !meta.region) return null;
  return { project, path, meta, versions, values, live: pairs(live), order: pairs(order), pending };
}

export async function secretExists(redis: RedisClient, project: string, path: string): Promise<boolean> {
  return (await redis.exists(secretKeyNames(project, path).meta)) === 1;
}

/** Writes a dump back, replacing whatever the secret held, in one transaction. Indexes are the caller's (repairIndexes). */
export async function writeSecretDump(redis: RedisClient, d: SecretDump): Promise<void> {
  const n = secretKeyNames(d.project, d.path);
  const tx = redis.multi().del(n.meta, n.versions, n.values, n.live, n.order, n.pending).hset(n.meta, d.meta);
  if (Object.keys(d.versions).length) tx.hset(n.versions, d.versions);
  if (Object.keys(d.values).length) tx.hset(n.values, d.values);
  if (d.live.length) tx.zadd(n.live, ...d.live.flatMap(([m, s]) => [s, m]));
  if (d.order.length) tx.zadd(n.order, ...d.order.flatMap(([m, s]) => [s, m]));
  if (Object.keys(d.pending).length) tx.hset(n.pending, d.pending);
  const res = await tx.exec();
  if (!res) throw new Error('transaction aborted');
  for (const [err] of res) if (err) throw err;
}

/**
 * Sets the project's storedBytes counter (QUOTA_STORED_BYTES) to the bytes its versions that still
 * hold a ciphertext record (`b` of each version record). Run after a restore, with no writers.
 */
export async function recountStoredBytes(redis: RedisClient, project: string): Promise<number> {
  let total = 0;
  for (const s of await scanSecrets(redis, project)) {
    const n = secretKeyNames(s.project, s.path);
    const [versions, held] = await Promise.all([redis.hgetall(n.versions), redis.hkeys(n.values)]);
    for (const v of held) {
      const raw = versions[v];
      if (raw) total += Number((JSON.parse(raw) as { b?: number }).b) || 0;
    }
  }
  await redis.set(storedBytesKey(project), String(total));
  return total;
}
