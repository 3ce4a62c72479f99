import type { Scope } from './scopes';

/** The project the root token acts in (and whose admins may revoke it). */
export const ROOT_PROJECT = 'default';

/** Who is calling: the token's id, its project, its scopes and optional secret-path confinement. */
export interface Principal {
  /** Token id (`root` for the ROOT_TOKEN bootstrap token). */
  tokenId: string;
  project: string;
  scopes: string[];
  /** When set, the token may touch only secret paths under one of these prefixes. */
  pathPrefixes: string[] | null;
  root: boolean;
  /** When the token stops working (ISO-8601); null or absent: never. What it creates expires no later. */
  expiresAt?: string | null;
  /**
   * The token's creators from the top down, then the token itself (TokenStore refs: token ids, or
   * the root token's hash): a token it creates is revoked with any of them.
   */
  lineage?: string[];
}

/** How the principal appears in audit events: its id exactly as `viewer.id` returns it (`root` or a token id). */
export function actorOf(p: Principal): string {
  return p.tokenId;
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('*') || p.scopes.includes(scope);
}

/**
 * Path-prefix confinement by whole path segments: the prefix `team-a` (or `team-a/`) admits
 * `team-a` and everything below it, but not `team-ab/…`. An empty/absent list confines nothing.
 */
export function pathUnderPrefix(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || path === p || path.startsWith(p + '/');
}

export function pathAllowedBy(prefixes: string[] | null | undefined, path: string): boolean {
  return !prefixes || prefixes.length === 0 || prefixes.some((prefix) => pathUnderPrefix(path, prefix));
}

export function pathAllowed(p: Principal, path: string): boolean {
  return pathAllowedBy(p.pathPrefixes, path);
}
