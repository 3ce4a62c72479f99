import { isProjectName } from '../../../shared/identifiers';
import { badInput } from '../../../shared/errors';
import type { BoundKeyRef } from '../domain/ports';

/**
 * The Redis key layout of Secrets Manager: the only place that names its keys.
 *
 * Per secret (one hash tag `{<project>:<path>}`, so every multi-key update is one atomic script,
 * also on Redis Cluster): `sec:{p:path}:meta|versions|values|live|order|pending` (see
 * secretScripts.ts). Paths cannot hold `{`, `}` or `:`, so the tag is unambiguous.
 *
 * Per project (hash tag `{<project>}`; lexicographic ZSETs, score 0):
 *   `sec:idx:{p}:all`                          every path of the project
 *   `sec:idx:{p}:key:<region>:<identity>`      paths bound to that KMS key
 *   `sec:idx:{p}:used:<region>:<identity>`     the same paths once revealed; score = last reveal (ms),
 *                                              written at most once per secret per window (SecretAccess)
 *   `sec:idx:{p}:bytes`                        string: value bytes the project's versions hold (storedBytes quota)
 * Index keys live in another slot than the secret, so they cannot share its scripts (see
 * secretIndexes.ts for the order of writes that keeps them safe).
 */

export const SECRET_KEY_SUFFIXES = ['meta', 'versions', 'values', 'live', 'order', 'pending'] as const;
export type SecretKeySuffix = (typeof SECRET_KEY_SUFFIXES)[number];

/** The six keys of one secret, in the order the scripts take them as KEYS. */
export type SecretKeys = string[];

/** The project is part of every key and hash tag: the shared project-name rule keeps `{`, `}` and `:` out. */
export function checkProject(project: string): void {
  if (!isProjectName(project)) throw badInput('Invalid project name', { field: 'project' });
}

const secretTag = (project: string, path: string) => `{${project}:${path}}`;
export const metaKey = (project: string, path: string) => `sec:${secretTag(project, path)}:meta`;
export const secretKeys = (project: string, path: string): SecretKeys => SECRET_KEY_SUFFIXES.map((s) => `sec:${secretTag(project, path)}:${s}`);
export const allIndexKey = (project: string) => `sec:idx:{${project}}:all`;
export const boundIndexKey = (project: string, region: string, identity: string) => `sec:idx:{${project}}:key:${region}:${identity}`;
export const storedBytesKey = (project: string) => `sec:idx:{${project}}:bytes`;
export const usedIndexKey = (project: string, region: string, identity: string) => `sec:idx:{${project}}:used:${region}:${identity}`;

/** Key-name prefixes of a project's keys, for SCAN patterns and for reading a key's binding back. */
export const projectKeyPrefixes = (project: string) => ({
  secret: `sec:{${project}:`,
  bound: `sec:idx:{${project}}:key:`,
  used: `sec:idx:{${project}}:used:`,
});

/** Raw key names of one secret (without the client's keyPrefix), for tests that inspect Redis directly. */
export function secretKeyNames(project: string, path: string): Record<SecretKeySuffix, string> {
  const keys = secretKeys(project, path);
  return Object.fromEntries(SECRET_KEY_SUFFIXES.map((s, i) => [s, keys[i]])) as Record<SecretKeySuffix, string>;
}

export function indexKeyNames(project: string, key?: BoundKeyRef): { all: string; bound: string | null; used: string | null } {
  return {
    all: allIndexKey(project),
    bound: key ? boundIndexKey(project, key.region, key.identity) : null,
    used: key ? usedIndexKey(project, key.region, key.identity) : null,
  };
}
