import { fieldsRecord, hashRecord, hmgetMany } from '../../../shared/hashReads';
import type { RedisClient } from '../../../shared/redis';
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

/** The meta fields a SecretMeta is read from (listings read only these, not the version counters). */
const META_FIELDS = ['region', 'kmsKeyIdentity', 'description', 'tags', 'createdAt', 'updatedAt', 'currentVersion', 'maxVersions', 'uid'] as const;

/** Many secrets in one round trip (shared/hashReads.ts); null where absent. Order kept. */
export async function readMetaMany(redis: RedisClient, project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
  checkProject(project);
  const rows = await hmgetMany(redis, paths.map((p) => metaKey(project, p)), META_FIELDS);
  return rows.map((row, i) => metaOf(project, paths[i], fieldsRecord(META_FIELDS, row)));
}

export function parseMeta(project: string, path: string, flat: Flat | null | undefined): SecretMeta | null {
  return metaOf(project, path, hashRecord(flat));
}

function metaOf(project: string, path: string, h: Record<string, string> | null): SecretMeta | null {
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

function safeTags(json: string | undefined): SecretTag[] {
  try {
    const t = JSON.parse(json ?? '[]');
    return Array.isArray(t) ? t : [];
  } catch {
    return [];
  }
}
