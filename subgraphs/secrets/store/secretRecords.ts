import { Cluster } from 'ioredis';
import { pipelined, type RedisClient } from '../../../shared/redis';
import type { SecretMeta, SecretTag, SecretVersionRecord, VersionState } from '../domain/secret';
import { checkProject, metaKey } from './keyLayout';

/**
 * How a secret's metadata and version records are held in Redis hashes (field names in
 * secretScripts.ts) and read back into the domain's records.
 */

/** A hash as HGETALL returns it: flat from a script, an object from the client. */
export type Flat = string[] | Record<string, string>;

/** Metadata of one secret; null when absent. */
export async function readMeta(redis: RedisClient, project: string, path: string): Promise<SecretMeta | null> {
  checkProject(project);
  return parseMeta(project, path, await redis.hgetall(metaKey(project, path)));
}

/** Keys one script call reads: bounds how long one call holds Redis. */
const META_PER_SCRIPT = 250;
// KEYS: meta hashes. The flat HGETALL of each, in order ({} for an absent one).
const META_MANY_LUA = `local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('HGETALL', k) end
return out`;

type MetaManyClient = RedisClient & { secretsMetaMany?: (n: number, ...keys: string[]) => Promise<string[][]> };

/**
 * Many secrets in one round trip; null where absent. Order kept. On a single node the hashes come
 * back from one script call per META_PER_SCRIPT keys, pipelined (a page of 200 is one command
 * instead of 200, about half the client CPU); on a cluster, where a script may touch one slot
 * only, one pipelined HGETALL per key (per slot).
 */
export async function readMetaMany(redis: RedisClient, project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
  checkProject(project);
  const keys = paths.map((p) => metaKey(project, p));
  let flats: unknown[];
  if (redis instanceof Cluster || keys.length < 2) {
    flats = await pipelined(redis, keys.map((k) => ['hgetall', k]));
  } else {
    const r = redis as MetaManyClient;
    if (typeof r.secretsMetaMany !== 'function') r.defineCommand('secretsMetaMany', { lua: META_MANY_LUA });
    const pipe = r.pipeline() as unknown as { secretsMetaMany(n: number, ...keys: string[]): void; exec(): Promise<[Error | null, unknown][] | null> };
    for (let i = 0; i < keys.length; i += META_PER_SCRIPT) {
      const chunk = keys.slice(i, i + META_PER_SCRIPT);
      pipe.secretsMetaMany(chunk.length, ...chunk);
    }
    flats = [];
    for (const [err, val] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      flats.push(...(val as string[][]));
    }
  }
  return flats.map((flat, i) => parseMeta(project, paths[i], flat as Flat));
}

export function parseMeta(project: string, path: string, flat: Flat | null | undefined): SecretMeta | null {
  const h = toRecord(flat);
  if (!h || !h.region) return null;
  const current = Number(h.currentVersion ?? 0);
  return {
    project,
    path,
    region: h.region,
    kmsKeyIdentity: h.kmsKeyIdentity,
    description: h.description ?? null,
    tags: safeTags(h.tags),
    createdAt: h.createdAt,
    updatedAt: h.updatedAt ?? h.createdAt,
    currentVersion: current > 0 ? current : null,
    maxVersions: Number(h.maxVersions),
    uid: h.uid ?? '',
  };
}

/** A version record: `{"s":state,"c":createdAt,"k":kmsKeyVersion}`; null when absent. */
export function parseVersion(version: number, raw: string | null | undefined): SecretVersionRecord | null {
  if (!raw) return null;
  const r = JSON.parse(raw) as { s: VersionState; c: string; k: number };
  return { version, state: r.s, createdAt: r.c, kmsKeyVersion: Number(r.k) };
}

function toRecord(flat: Flat | null | undefined): Record<string, string> | null {
  if (!flat) return null;
  if (!Array.isArray(flat)) return Object.keys(flat).length ? flat : null;
  if (flat.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function safeTags(json: string | undefined): SecretTag[] {
  try {
    const t = JSON.parse(json ?? '[]');
    return Array.isArray(t) ? t : [];
  } catch {
    return [];
  }
}
