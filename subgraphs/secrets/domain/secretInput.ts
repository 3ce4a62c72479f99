import { badInput } from '../../../shared/errors';
import type { SecretTag } from './secret';

/**
 * Edge validation of every secrets input (API.md): anything out of range is BAD_USER_INPUT before
 * the store or KMS is touched. Messages name the field, never echo a value.
 */
export const PATH_RE = /^[A-Za-z0-9_.@+=-]+(\/[A-Za-z0-9_.@+=-]+)*$/;
export const MAX_PATH_LENGTH = 512;
const PREFIX_RE = /^[A-Za-z0-9_.@+=\/-]*$/;

export const MAX_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
export const MAX_DESCRIPTION_LENGTH = 1024;
export const MAX_VALUE_BYTES = 64 * 1024;
export const DEFAULT_MAX_VERSIONS = 100;
export const MAX_MAX_VERSIONS = 1000;
export const MAX_VERSIONS_PER_CALL = 100;
export const MAX_BATCH_PATHS = 100;

export function validatePath(path: unknown, field = 'path'): string {
  if (typeof path !== 'string' || path.length === 0) throw badInput(`${field} must be a non-empty string`, { field });
  if (path.length > MAX_PATH_LENGTH) throw badInput(`${field} must be at most ${MAX_PATH_LENGTH} characters`, { field });
  if (!PATH_RE.test(path)) {
    throw badInput(`${field} may hold only letters, digits and _ . @ + = - in segments separated by single "/"`, { field });
  }
  if (path.split('/').some((seg) => seg === '.' || seg === '..')) {
    throw badInput(`${field} must not contain "." or ".." segments`, { field });
  }
  return path;
}

/**
 * Path-shaped (the alphabet and length of a path, `.` segments not checked): what a reference may
 * resolve and what a batch reveal records, so junk never reaches a lookup or the audit log.
 */
export function isPathShaped(path: unknown): path is string {
  return typeof path === 'string' && path.length <= MAX_PATH_LENGTH && PATH_RE.test(path);
}

/** batchGetSecretValue's list: at most MAX_BATCH_PATHS paths (each item is validated on its own). */
export function validateBatchPaths(paths: unknown): unknown[] {
  if (!Array.isArray(paths) || paths.length > MAX_BATCH_PATHS) throw badInput(`paths must list at most ${MAX_BATCH_PATHS} paths`, { field: 'paths' });
  return paths;
}

/** A listing prefix: any leading part of a path (may end with "/"), or empty. */
export function validatePathPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === null) return '';
  if (typeof prefix !== 'string') throw badInput('pathPrefix must be a string', { field: 'pathPrefix' });
  if (prefix.length > MAX_PATH_LENGTH) throw badInput(`pathPrefix must be at most ${MAX_PATH_LENGTH} characters`, { field: 'pathPrefix' });
  if (!PREFIX_RE.test(prefix)) throw badInput('pathPrefix holds characters a path cannot hold', { field: 'pathPrefix' });
  return prefix;
}

export function validateTags(tags: unknown): SecretTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw badInput('tags must be a list', { field: 'tags' });
  if (tags.length > MAX_TAGS) throw badInput(`at most ${MAX_TAGS} tags`, { field: 'tags' });
  const seen = new Set<string>();
  return tags.map((t: unknown) => {
    const { key, value } = (t ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || key.length < 1 || key.length > MAX_TAG_KEY_LENGTH) {
      throw badInput(`tag key must be 1..${MAX_TAG_KEY_LENGTH} characters`, { field: 'tags' });
    }
    if (typeof value !== 'string' || value.length > MAX_TAG_VALUE_LENGTH) {
      throw badInput(`tag value must be a string of at most ${MAX_TAG_VALUE_LENGTH} characters`, { field: 'tags' });
    }
    if (hasControlChars(key) || hasControlChars(value)) throw badInput('tags must not contain control characters', { field: 'tags' });
    if (seen.has(key)) throw badInput('tag keys must be unique', { field: 'tags' });
    seen.add(key);
    return { key, value };
  });
}

export function validateMaxVersions(maxVersions: unknown): number {
  if (maxVersions === undefined || maxVersions === null) return DEFAULT_MAX_VERSIONS;
  if (!Number.isInteger(maxVersions) || (maxVersions as number) < 1 || (maxVersions as number) > MAX_MAX_VERSIONS) {
    throw badInput(`maxVersions must be a whole number from 1 to ${MAX_MAX_VERSIONS}`, { field: 'maxVersions' });
  }
  return maxVersions as number;
}

export function validateDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== 'string') throw badInput('description must be a string', { field: 'description' });
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw badInput(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, { field: 'description' });
  }
  return description;
}

/** A secret value: a UTF-8 string of at most 64 KiB (counted in bytes). */
export function validateValue(value: unknown): string {
  if (typeof value !== 'string') throw badInput('value must be a string', { field: 'value' });
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) throw badInput('value must be at most 64 KiB (UTF-8 bytes)', { field: 'value' });
  if (!isWellFormed(value)) throw badInput('value must be valid UTF-8 (no lone surrogates)', { field: 'value' });
  return value;
}

/** `expectedVersion`: absent = no check; 0 = "no value yet"; n = currentVersion must be n. */
export function validateExpectedVersion(expected: unknown): number | null {
  if (expected === undefined || expected === null) return null;
  if (!Number.isInteger(expected) || (expected as number) < 0 || (expected as number) > 2 ** 31 - 1) {
    throw badInput('expectedVersion must be a whole number ≥ 0', { field: 'expectedVersion' });
  }
  return expected as number;
}

export function validateVersionNumber(version: unknown, field = 'version'): number {
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > 2 ** 31 - 1) {
    throw badInput(`${field} must be a whole number ≥ 1`, { field });
  }
  return version as number;
}

/** The version list of delete/undelete/destroy: 1..100 positive whole numbers; duplicates collapse. */
export function validateVersionList(versions: unknown): number[] {
  if (!Array.isArray(versions) || versions.length < 1 || versions.length > MAX_VERSIONS_PER_CALL) {
    throw badInput(`versions must list 1 to ${MAX_VERSIONS_PER_CALL} version numbers`, { field: 'versions' });
  }
  const out = new Set<number>();
  for (const v of versions) out.add(validateVersionNumber(v, 'versions'));
  return [...out].sort((a, b) => a - b);
}

/** Page size: 0..max (0 returns an empty page with the right hasNextPage). */
export function validateFirst(first: unknown, max: number, def: number): number {
  if (first === undefined || first === null) return def;
  if (!Number.isInteger(first) || (first as number) < 0 || (first as number) > max) {
    throw badInput(`first must be a whole number from 0 to ${max}`, { field: 'first' });
  }
  return first as number;
}

function hasControlChars(s: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(s);
}

function isWellFormed(s: string): boolean {
  // Lone surrogates cannot be encoded as UTF-8: they would be replaced silently on the way to KMS.
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
