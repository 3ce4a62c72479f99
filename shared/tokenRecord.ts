import { hash } from 'node:crypto';
import type { Principal } from './principal';
import { RecordMac } from './recordMac';

/** Token records in Redis: key layout, the scripts that link and revoke them, what their MAC covers. */

/** What is stored for a token: never the token itself, only its SHA-256. */
export interface TokenRecord {
  id: string;
  name: string;
  project: string;
  scopes: string[];
  pathPrefixes: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revoked: boolean;
}

export type AuthResult =
  | { ok: true; principal: Principal }
  /** `tampered`: the stored record's MAC does not hold (written to Redis by someone else). */
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' | 'tampered'; project?: string; tokenId?: string };

/** A token revoked by a cascade, for its audit event in its own project. */
export interface RevokedToken {
  id: string;
  project: string;
}

/** The MAC of token records, derived from INTERNAL_SECRET (which every service that verifies tokens holds). */
export function tokenRecordMac(internalSecret: string): RecordMac {
  return new RecordMac(internalSecret, 'token-record-v1');
}

/** A creator as a token records it: a token id (16 hex), or the root token's SHA-256 (64 hex). */
export const REF_RE = /^(?:[0-9a-f]{16}|[0-9a-f]{64})$/;
export const isTokenRef = (ref: string) => ref.length === 16;

export function sha256(s: string): Buffer {
  return hash('sha256', s, 'buffer');
}

export const tokenKey = (id: string) => `auth:token:{${id}}`;
export const projectIndexKey = (project: string) => `auth:tokens:{${project}}`;
/** Live tokens of a project (score = expiry in ms, +inf for none): the tokens quota. Same slot as the index. */
export const liveKey = (project: string) => `auth:live-tokens:{${project}}`;

// KEYS: live. ARGV: id, expiry score, now (ms), max (0 = none). Expired tokens leave first; 1 = a place, 0 = at the quota.
export const RESERVE_TOKEN_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local max = tonumber(ARGV[4])
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/** The root token's revocation marker, keyed by its SHA-256 (never the token). */
export const rootKey = (hashHex: string) => `auth:root:{${hashHex}}`;
export const recordKey = (ref: string) => (isTokenRef(ref) ? tokenKey(ref) : rootKey(ref));
/** The tokens a token (or the root) created; in its record's slot, so link and revoke are atomic. */
export const childrenKey = (ref: string) => `auth:children:{${ref}}`;

/**
 * Links a new token under its creator unless the creator is revoked (or, for a token, gone), in
 * one step on the creator's slot: a revocation either sees the child or the child is refused.
 * KEYS: creator record, creator children. ARGV: child id, '1' when the creator is a token.
 */
export const LINK = `
local r = redis.call('HGET', KEYS[1], 'revoked')
if r == '1' or (ARGV[2] == '1' and not r) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

/**
 * Marks a token (or the root) revoked and returns whether it already was, its project and the
 * tokens it created, in one step with LINK's. KEYS: record, children. ARGV: '1' when it is a
 * token (it must exist), the time.
 */
export const REVOKE = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return false end
local was = redis.call('HGET', KEYS[1], 'revoked')
if was ~= '1' then redis.call('HSET', KEYS[1], 'revoked', '1', 'revokedAt', ARGV[2]) end
return { was == '1' and 1 or 0, redis.call('HGET', KEYS[1], 'project') or '', redis.call('SMEMBERS', KEYS[2]) }`;

/**
 * The stored fields the record's `mac` covers (with the id): every field that grants access or
 * bounds it, and the creator chain. Revocation is set in Lua (REVOKE, atomic with the children
 * link), where no MAC can be computed, and the record is re-signed right after; `revoked: '1'` is
 * honoured whatever the MAC says (it only takes access away), so a revoked record whose re-sign
 * has not happened yet is still refused, and clearing the flag later breaks the MAC.
 */
const SEALED_FIELDS = ['hash', 'name', 'project', 'scopes', 'pathPrefixes', 'createdAt', 'expiresAt', 'revoked', 'ancestors'] as const;
export function sealedParts(id: string, r: Record<string, string>): string[] {
  const parts = [id];
  for (const f of SEALED_FIELDS) parts.push(f, JSON.stringify(r[f] ?? null));
  return parts;
}

/** A record's ancestors; none for a token made before lineage was recorded; null if unreadable. */
export function ancestorsOf(r: Record<string, string>): string[] | null {
  if (!r.ancestors) return [];
  try {
    const a = JSON.parse(r.ancestors) as unknown;
    return Array.isArray(a) && a.every((x) => typeof x === 'string' && REF_RE.test(x)) ? (a as string[]) : null;
  } catch {
    return null;
  }
}

export function decode(id: string, r: Record<string, string>): TokenRecord {
  return {
    id,
    name: r.name,
    project: r.project,
    scopes: JSON.parse(r.scopes) as string[],
    pathPrefixes: JSON.parse(r.pathPrefixes || 'null') as string[] | null,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt || null,
    revoked: r.revoked === '1',
  };
}
