import { badInput, forbidden } from '../../../shared/errors';
import { isProjectName, validateProjectName } from '../../../shared/identifiers';
import { hasScope, pathUnderPrefix, type Principal } from '../../../shared/principal';
import { isScope, SCOPES } from '../../../shared/scopes';

const PREFIX_RE = /^[A-Za-z0-9_.@+=\/-]{1,512}$/;
/** How many creators a token may have above it (the root counts): authentication reads each one. */
export const MAX_TOKEN_DEPTH = 32;

export interface TokenRequest {
  name: string;
  scopes: string[];
  pathPrefixes?: string[] | null;
  expiresInDays?: number | null;
  project?: string | null;
}

export interface TokenGrant {
  name: string;
  project: string;
  scopes: string[];
  pathPrefixes: string[] | null;
  expiresAt: Date | null;
  /** The creator's lineage: the new token is revoked with any of them. */
  ancestors: string[];
}

/** `project:<name>` for audit resources; a name that is not a valid project never reaches the log. */
export function projectResource(project: string | null | undefined, own: string): string {
  const p = project ?? own;
  return `project:${isProjectName(p) ? p : '<invalid>'}`;
}

/**
 * Which project a call acts on. Only the root token may name another project (to bootstrap it);
 * any other token naming a project other than its own is refused.
 */
export function targetProject(caller: Principal, project: string | null | undefined): string {
  if (project === null || project === undefined || project === caller.project) return caller.project;
  validateProjectName(project);
  if (!caller.root) throw forbidden('Only the root token may act on another project');
  return project;
}

/**
 * What a new token may be: never more than its creator (no scope escalation, no escaping the
 * creator's path confinement, no outliving it), with validated name, scopes, prefixes and expiry.
 */
export function grantFor(caller: Principal, req: TokenRequest, now: Date): TokenGrant {
  const name = req.name.trim();
  if (name.length < 1 || name.length > 100 || /[\u0000-\u001f]/.test(name)) {
    throw badInput('name must be 1 to 100 printable characters');
  }
  if (req.scopes.length === 0) throw badInput('scopes must list at least one scope');
  const scopes = [...new Set(req.scopes)];
  for (const s of scopes) {
    if (s === '*') {
      if (!caller.root) throw forbidden('Only the root token may grant "*"');
      continue;
    }
    if (!isScope(s)) throw badInput(`scopes may hold only: ${SCOPES.join(', ')}`, { field: 'scopes' });
    if (!hasScope(caller, s)) throw forbidden(`Cannot grant scope "${s}" that the calling token does not have`);
  }
  let pathPrefixes: string[] | null = null;
  if (req.pathPrefixes && req.pathPrefixes.length > 0) {
    if (req.pathPrefixes.length > 50) throw badInput('at most 50 pathPrefixes');
    for (const p of req.pathPrefixes) {
      if (!PREFIX_RE.test(p)) throw badInput('pathPrefixes entries must be 1 to 512 path characters');
      // "/" (or "//") would confine nothing: a confined token must name at least one segment.
      if (p.replace(/\/+$/, '') === '') throw badInput('pathPrefixes entries must name a path, not just "/"');
    }
    pathPrefixes = [...new Set(req.pathPrefixes)];
  }
  if (caller.pathPrefixes && caller.pathPrefixes.length > 0) {
    const inside = (p: string) => caller.pathPrefixes!.some((c) => pathUnderPrefix(p, c));
    if (!pathPrefixes || !pathPrefixes.every(inside)) {
      throw forbidden("A path-confined token can only create tokens confined within its own pathPrefixes");
    }
  }
  let expiresAt: Date | null = null;
  if (req.expiresInDays !== null && req.expiresInDays !== undefined) {
    if (!Number.isInteger(req.expiresInDays) || req.expiresInDays < 1 || req.expiresInDays > 3650) {
      throw badInput('expiresInDays must be between 1 and 3650');
    }
    expiresAt = new Date(now.getTime() + req.expiresInDays * 86_400_000);
  }
  // Capped, not refused: asking for no expiry (or a later one) under an expiring creator gets the creator's.
  if (caller.expiresAt) {
    const cap = new Date(caller.expiresAt);
    if (!expiresAt || expiresAt.getTime() > cap.getTime()) expiresAt = cap;
  }
  // A principal that carries no lineage (built outside TokenStore) is still linked under itself.
  const ancestors = caller.lineage ?? (caller.root ? [] : [caller.tokenId]);
  if (ancestors.length > MAX_TOKEN_DEPTH) throw badInput(`A token may have at most ${MAX_TOKEN_DEPTH} creators above it`);
  return { name, project: targetProject(caller, req.project), scopes, pathPrefixes, expiresAt, ancestors };
}
