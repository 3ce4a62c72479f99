import { badInput } from './errors';

/**
 * The naming rules that more than one service enforces, defined once. Every store that puts a
 * project or key identity into a Redis key (and so into a hash tag) checks it with these, and the
 * GraphQL edge validates the same rules before anything is stored.
 */

/** A KMS key identity (API.md): unique per project and region. */
export const KEY_IDENTITY_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A project name: the same alphabet as key identities, so it can never break a hash tag
 * (`{`, `}`), a key separator (`:`) or a path, and it needs no encoding anywhere.
 */
export const PROJECT_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isKeyIdentity(v: unknown): v is string {
  return typeof v === 'string' && KEY_IDENTITY_RE.test(v);
}

export function isProjectName(v: unknown): v is string {
  return typeof v === 'string' && PROJECT_RE.test(v);
}

/** BAD_USER_INPUT naming the field, never quoting the value. */
export function validateKeyIdentity(v: unknown, field = 'identity'): string {
  if (!isKeyIdentity(v)) throw badInput(`${field} must match ^[a-z0-9][a-z0-9-]{0,62}$`, { field });
  return v;
}

export function validateProjectName(v: unknown, field = 'project'): string {
  if (!isProjectName(v)) throw badInput(`${field} must match ^[a-z0-9][a-z0-9-]{0,62}$`, { field });
  return v;
}
