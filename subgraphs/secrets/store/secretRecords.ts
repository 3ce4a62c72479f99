import { hashRecord, hmgetMany } from '../../../shared/hashReads';
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

/** The meta fields a SecretMeta is read from, in the order of a MetaRow (listings read only these). */
const META_FIELDS = ['region', 'kmsKeyIdentity', 'description', 'tags', 'createdAt', 'updatedAt', 'currentVersion', 'maxVersions', 'uid'] as const;
/** The values of META_FIELDS of one secret, in that order; null where absent. */
type MetaRow = readonly (string | null | undefined)[];

/** Many secrets in one round trip (shared/hashReads.ts); null where absent. Order kept. */
export async function readMetaMany(redis: RedisClient, project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
  checkProject(project);
  const rows = await hmgetMany(redis, paths.map((p) => metaKey(project, p)), META_FIELDS);
  // Read straight from the rows: a page of 200 builds no intermediate record per secret.
  return rows.map((row, i) => metaOf(project, paths[i], row));
}

/** The fields an identity-only listing reads (ListSecretsQuery.identityOnly). */
const IDENTITY_FIELDS = ['region', 'kmsKeyIdentity'] as const;

/**
 * Like readMetaMany, reading only region and kmsKeyIdentity (what the listing filters on and a node
 * names its key with): every other field is a placeholder, for callers that never read them. Redis
 * pays per field read (about 0.2 µs each in a script), so a page of 200 costs it ~40% of the full read.
 */
export async function readIdentityMany(redis: RedisClient, project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
  checkProject(project);
  const rows = await hmgetMany(redis, paths.map((p) => metaKey(project, p)), IDENTITY_FIELDS);
  return rows.map(([region, kmsKeyIdentity], i) =>
    region ? { project, path: paths[i], region, kmsKeyIdentity: kmsKeyIdentity!, description: null, tags: [], createdAt: '', updatedAt: '', currentVersion: null, maxVersions: 0, uid: '' } : null,
  );
}

export function parseMeta(project: string, path: string, flat: Flat | null | undefined): SecretMeta | null {
  const h = hashRecord(flat);
  return h ? metaOf(project, path, META_FIELDS.map((f) => h[f])) : null;
}

function metaOf(project: string, path: string, row: MetaRow): SecretMeta | null {
  const [region, kmsKeyIdentity, description, tags, createdAt, updatedAt, currentVersion, maxVersions, uid] = row;
  if (!region) return null;
  const current = Number(currentVersion ?? 0);
  return {
    project,
    path,
    region,
    kmsKeyIdentity: kmsKeyIdentity!,
    description: description ?? null,
    tags: safeTags(tags ?? undefined),
    createdAt: createdAt!,
    updatedAt: updatedAt ?? createdAt!,
    currentVersion: current > 0 ? current : null,
    maxVersions: Number(maxVersions),
    uid: uid ?? '',
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
