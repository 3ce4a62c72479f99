import type { Scope } from './scopes';

/** Who is calling: the token's id, its project, its scopes and optional secret-path confinement. */
export interface Principal {
  /** Token id (`root` for the ROOT_TOKEN bootstrap token). */
  tokenId: string;
  project: string;
  scopes: string[];
  /** When set, the token may touch only secret paths under one of these prefixes. */
  pathPrefixes: string[] | null;
  root: boolean;
}

/** How the principal appears in audit events. */
export function actorOf(p: Principal): string {
  return `token:${p.tokenId}`;
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('*') || p.scopes.includes(scope);
}

/**
 * Path-prefix confinement, as plain string prefixes (like Vault policies): `app/` confines to the
 * folder `app`, while `app` would also admit `apple`. An empty/absent list means no confinement.
 */
export function pathAllowed(p: Principal, path: string): boolean {
  if (!p.pathPrefixes || p.pathPrefixes.length === 0) return true;
  return p.pathPrefixes.some((prefix) => path.startsWith(prefix));
}
