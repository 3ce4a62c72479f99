import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { quotaExceeded, unauthenticated } from './errors';
import { isProjectName, validateProjectName } from './identifiers';
import { RecordMac } from './recordMac';
import { pipelined, type RedisClient } from './redis';
import { ROOT_PROJECT, type Principal } from './principal';

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

const TOKEN_RE = /^smk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** A creator as a token records it: a token id (16 hex), or the root token's SHA-256 (64 hex). */
const REF_RE = /^(?:[0-9a-f]{16}|[0-9a-f]{64})$/;
const isTokenRef = (ref: string) => ref.length === 16;

/** A token revoked by a cascade, for its audit event in its own project. */
export interface RevokedToken {
  id: string;
  project: string;
}

/** Tokens revoked at once per level of a cascade: bounded work however wide the tree. */
const CASCADE_BATCH = 100;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

const tokenKey = (id: string) => `auth:token:{${id}}`;
const projectIndexKey = (project: string) => `auth:tokens:{${project}}`;
/** Live tokens of a project (score = expiry in ms, +inf for none): the tokens quota. Same slot as the index. */
const liveKey = (project: string) => `auth:live-tokens:{${project}}`;

// KEYS: live. ARGV: id, expiry score, now (ms), max (0 = none). Expired tokens leave first; 1 = a place, 0 = at the quota.
const RESERVE_TOKEN_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local max = tonumber(ARGV[4])
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/** The root token's revocation marker, keyed by its SHA-256 (never the token). */
const rootKey = (hashHex: string) => `auth:root:{${hashHex}}`;
const recordKey = (ref: string) => (isTokenRef(ref) ? tokenKey(ref) : rootKey(ref));
/** The tokens a token (or the root) created; in its record's slot, so link and revoke are atomic. */
const childrenKey = (ref: string) => `auth:children:{${ref}}`;

/**
 * Links a new token under its creator unless the creator is revoked (or, for a token, gone), in
 * one step on the creator's slot: a revocation either sees the child or the child is refused.
 * KEYS: creator record, creator children. ARGV: child id, '1' when the creator is a token.
 */
const LINK = `
local r = redis.call('HGET', KEYS[1], 'revoked')
if r == '1' or (ARGV[2] == '1' and not r) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

/**
 * Marks a token (or the root) revoked and returns whether it already was, its project and the
 * tokens it created, in one step with LINK's. KEYS: record, children. ARGV: '1' when it is a
 * token (it must exist), the time.
 */
const REVOKE = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return false end
local was = redis.call('HGET', KEYS[1], 'revoked')
if was ~= '1' then redis.call('HSET', KEYS[1], 'revoked', '1', 'revokedAt', ARGV[2]) end
return { was == '1' and 1 or 0, redis.call('HGET', KEYS[1], 'project') or '', redis.call('SMEMBERS', KEYS[2]) }`;

/** The MAC of token records, derived from INTERNAL_SECRET (which every service that verifies tokens holds). */
export function tokenRecordMac(internalSecret: string): RecordMac {
  return new RecordMac(internalSecret, 'token-record-v1');
}

/**
 * The stored fields the record's `mac` covers (with the id): every field that grants access or
 * bounds it, and the creator chain. Revocation is set in Lua (REVOKE, atomic with the children
 * link), where no MAC can be computed, and the record is re-signed right after; `revoked: '1'` is
 * honoured whatever the MAC says (it only takes access away), so a revoked record whose re-sign
 * has not happened yet is still refused, and clearing the flag later breaks the MAC.
 */
const SEALED_FIELDS = ['hash', 'name', 'project', 'scopes', 'pathPrefixes', 'createdAt', 'expiresAt', 'revoked', 'ancestors'] as const;
const sealedParts = (id: string, r: Record<string, string>) => [id, ...SEALED_FIELDS.flatMap((f) => [f, JSON.stringify(r[f] ?? null)])];

/**
 * Opaque bearer tokens `smk_<id>_<256-bit secret>`. The id locates the record in one round trip;
 * the SHA-256 of the whole token is compared in constant time.
 */
export class TokenStore {
  private readonly rootHash: Buffer | null;

  /** `maxLiveTokens`: unrevoked, unexpired tokens a project may hold (QUOTA_TOKENS; 0 = no limit). */
  constructor(
    private readonly redis: RedisClient,
    rootToken: string | null,
    private readonly mac: RecordMac,
    private readonly now: () => Date = () => new Date(),
    private readonly maxLiveTokens = 0,
  ) {
    this.rootHash = rootToken ? sha256(rootToken) : null;
    const r = redis as RedisClient & Record<string, unknown>;
    if (typeof r.authReserveToken !== 'function') redis.defineCommand('authReserveToken', { numberOfKeys: 1, lua: RESERVE_TOKEN_LUA });
  }

  /** Whether a root token is configured (only then can `root` be revoked). */
  get hasRoot(): boolean {
    return this.rootHash !== null;
  }

  private rootPrincipal(): Principal {
    return { tokenId: 'root', project: ROOT_PROJECT, scopes: ['*'], pathPrefixes: null, root: true, expiresAt: null, lineage: [this.rootHash!.toString('hex')] };
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, reason: 'malformed' };
    const presented = m[1];
    const presentedHash = sha256(presented);
    if (this.rootHash && timingSafeEqual(presentedHash, this.rootHash)) {
      // Read on every request, on every replica: a revocation holds from the next request on.
      const revoked = await this.redis.hget(rootKey(this.rootHash.toString('hex')), 'revoked');
      if (revoked === '1') return { ok: false, reason: 'revoked', project: ROOT_PROJECT, tokenId: 'root' };
      return { ok: true, principal: this.rootPrincipal() };
    }
    const parts = TOKEN_RE.exec(presented);
    if (!parts) return { ok: false, reason: 'malformed' };
    const rec = await this.redis.hgetall(tokenKey(parts[1]));
    if (!rec || !rec.hash) return { ok: false, reason: 'unknown' };
    const stored = Buffer.from(rec.hash, 'hex');
    if (stored.length !== presentedHash.length || !timingSafeEqual(stored, presentedHash)) {
      return { ok: false, reason: 'unknown' };
    }
    // Revoked first: revocation only takes access away, and its re-sign may still be under way.
    if (rec.revoked === '1' && isProjectName(rec.project)) return { ok: false, reason: 'revoked', project: rec.project, tokenId: parts[1] };
    if (!this.intact(parts[1], rec)) {
      return { ok: false, reason: 'tampered', tokenId: parts[1], ...(isProjectName(rec.project) ? { project: rec.project } : {}) };
    }
    const r = decode(parts[1], rec);
    if (r.revoked) return { ok: false, reason: 'revoked', project: r.project, tokenId: r.id };
    if (r.expiresAt && Date.parse(r.expiresAt) <= this.now().getTime()) {
      return { ok: false, reason: 'expired', project: r.project, tokenId: r.id };
    }
    const ancestors = ancestorsOf(rec);
    if (!ancestors) return { ok: false, reason: 'unknown', project: r.project, tokenId: r.id };
    // A revoked creator anywhere up the chain revokes this token even before its cascade reaches it.
    if (ancestors.length > 0) {
      const flags = await pipelined(this.redis, ancestors.map((a) => ['hget', recordKey(a), 'revoked']));
      // A token creator's record always holds the flag: one gone is treated as revoked.
      if (flags.some((f, i) => f === '1' || (f === null && isTokenRef(ancestors[i])))) {
        return { ok: false, reason: 'revoked', project: r.project, tokenId: r.id };
      }
    }
    return {
      ok: true,
      principal: { tokenId: r.id, project: r.project, scopes: r.scopes, pathPrefixes: r.pathPrefixes, root: false, expiresAt: r.expiresAt, lineage: [...ancestors, r.id] },
    };
  }

  /** A fresh token id (64 random bits, hex). */
  static newId(): string {
    return randomBytes(8).toString('hex');
  }

  /**
   * Creates a token under `ancestors` (its creator's lineage: Principal.lineage). It is linked under
   * its creator atomically: if the creator was revoked meanwhile, the new token is revoked and
   * UNAUTHENTICATED is thrown, so no token outlives a revocation that raced its creation.
   */
  async create(
    input: { name: string; project: string; scopes: string[]; pathPrefixes: string[] | null; expiresAt: Date | null; ancestors?: string[] },
    id: string = TokenStore.newId(),
  ): Promise<{ token: string; record: TokenRecord }> {
    // The project becomes a hash tag: a name outside the shared rule never reaches a key.
    validateProjectName(input.project);
    const ancestors = input.ancestors ?? [];
    if (!ancestors.every((a) => REF_RE.test(a))) throw new Error('invalid token lineage');
    const token = `smk_${id}_${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const record: TokenRecord = {
      id,
      name: input.name,
      project: input.project,
      scopes: input.scopes,
      pathPrefixes: input.pathPrefixes,
      createdAt: now.toISOString(),
      expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
      revoked: false,
    };
    // The quota's place is taken first (the project's slot), so concurrent creates cannot pass it;
    // a create that fails after it gives the place back, one that crashes leaves it until revoked or expired.
    const reserve = (this.redis as unknown as { authReserveToken(...a: string[]): Promise<number> }).authReserveToken;
    const expiry = record.expiresAt ? String(Date.parse(record.expiresAt)) : '+inf';
    if ((await reserve.call(this.redis, liveKey(input.project), id, expiry, String(now.getTime()), String(this.maxLiveTokens))) !== 1) {
      throw quotaExceeded('tokens', this.maxLiveTokens);
    }
    try {
      await this.writeRecord(id, token, record, ancestors, now);
    } catch (err) {
      await this.redis.zrem(liveKey(input.project), id).catch(() => undefined);
      throw err;
    }
    return { token, record };
  }

  /**
   * Record first, then the link under its creator (refused when the creator was revoked
   * meanwhile), then the project index: two slots, in the order that never leaves an index entry
   * pointing at nothing.
   */
  private async writeRecord(id: string, token: string, record: TokenRecord, ancestors: string[], now: Date): Promise<void> {
    await this.redis.hset(tokenKey(id), this.sealed(id, {
      hash: sha256(token).toString('hex'),
      name: record.name,
      project: record.project,
      scopes: JSON.stringify(record.scopes),
      pathPrefixes: JSON.stringify(record.pathPrefixes),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt ?? '',
      revoked: '0',
      ancestors: JSON.stringify(ancestors),
    }));
    const creator = ancestors[ancestors.length - 1];
    if (creator !== undefined) {
      const linked = await this.redis.eval(LINK, 2, recordKey(creator), childrenKey(creator), id, isTokenRef(creator) ? '1' : '0');
      if (linked !== 1) {
        await this.redis.hset(tokenKey(id), 'revoked', '1');
        throw unauthenticated('The creating token was revoked');
      }
    }
    await this.redis.zadd(projectIndexKey(record.project), now.getTime(), id);
  }


  async get(id: string): Promise<TokenRecord | null> {
    if (!/^[0-9a-f]{16}$/.test(id)) return null;
    const rec = await this.redis.hgetall(tokenKey(id));
    return rec && rec.hash && this.intact(id, rec) ? decode(id, rec) : null;
  }

  /** Newest first; with `limit`, only that many (one bounded read). */
  async list(project: string, limit?: number): Promise<TokenRecord[]> {
    validateProjectName(project);
    const ids = await this.redis.zrevrange(projectIndexKey(project), 0, limit === undefined ? -1 : limit - 1);
    if (ids.length === 0) return [];
    const res = (await pipelined(this.redis, ids.map((id) => ['hgetall', tokenKey(id)]))) as Record<string, string>[];
    const out: TokenRecord[] = [];
    res.forEach((r, i) => {
      // A record altered in Redis is not shown as if it were what it claims.
      if (r && r.hash && this.intact(ids[i], r)) out.push(decode(ids[i], r));
    });
    return out;
  }

  /**
   * Revokes a token of `project` and every token below it; null if there is no such token there.
   * Returns the tokens below it that this call revoked (not those revoked before).
   */
  async revoke(project: string, id: string): Promise<RevokedToken[] | null> {
    const rec = await this.get(id);
    if (!rec || rec.project !== project) return null;
    return this.cascade(id);
  }

  /**
   * Revokes the configured root token (a marker under its hash: that value answers 401 until
   * another ROOT_TOKEN is configured) and every token it created, transitively; null when no
   * root token is configured.
   */
  async revokeRoot(): Promise<RevokedToken[] | null> {
    if (!this.rootHash) return null;
    return this.cascade(this.rootHash.toString('hex'));
  }

  /**
   * Marks `ref` revoked, then its tree level by level, at most CASCADE_BATCH at a time. Repeating
   * it completes a cascade that was cut short; until then authentication refuses every token
   * below a revoked one by its recorded ancestors.
   */
  private async cascade(ref: string): Promise<RevokedToken[] | null> {
    const at = this.now().toISOString();
    const revokeOne = (r: string) => this.redis.eval(REVOKE, 2, recordKey(r), childrenKey(r), isTokenRef(r) ? '1' : '0', at) as Promise<[number, string, string[]] | null>;
    const top = await revokeOne(ref);
    if (!top) return null;
    if (top[0] === 0 && isTokenRef(ref)) await this.resignRevoked(ref);
    // A revoked token leaves its project's tokens quota.
    if (top[0] === 0 && isTokenRef(ref)) await this.redis.zrem(liveKey(top[1]), ref);
    const revoked: RevokedToken[] = [];
    const seen = new Set<string>([ref]);
    let level = top[2];
    while (level.length > 0) {
      const next: string[] = [];
      const fresh = level.filter((c) => REF_RE.test(c) && isTokenRef(c) && !seen.has(c));
      for (const c of fresh) seen.add(c);
      for (let i = 0; i < fresh.length; i += CASCADE_BATCH) {
        const batch = fresh.slice(i, i + CASCADE_BATCH);
        const res = await Promise.all(batch.map(revokeOne));
        await Promise.all(res.map((r, j) => (r && r[0] === 0 ? Promise.all([this.redis.zrem(liveKey(r[1]), batch[j]), this.resignRevoked(batch[j])]) : undefined)));
        res.forEach((r, j) => {
          if (!r) return;
          if (r[0] === 0) revoked.push({ id: batch[j], project: r[1] });
          next.push(...r[2]);
        });
      }
      level = next;
    }
    return revoked;
  }

  /**
   * Seals a record REVOKE just marked revoked, so clearing the flag later breaks its MAC. Only a
   * record that was intact before (as unrevoked) is re-signed: a re-sign must never launder a
   * record altered in Redis.
   */
  private async resignRevoked(id: string): Promise<void> {
    const raw = await this.redis.hgetall(tokenKey(id));
    if (!raw || raw.revoked !== '1' || !this.intact(id, { ...raw, revoked: '0' })) return;
    await this.redis.hset(tokenKey(id), 'mac', this.sealed(id, raw).mac);
  }

  /** The stored fields with their MAC. */
  private sealed(id: string, fields: Record<string, string>): Record<string, string> {
    const { mac: _old, ...rest } = fields;
    return { ...rest, mac: this.mac.sign(sealedParts(id, rest)) };
  }

  private intact(id: string, stored: Record<string, string>): boolean {
    return this.mac.verify(sealedParts(id, stored), stored.mac);
  }
}

/** A record's ancestors; none for a token made before lineage was recorded; null if unreadable. */
function ancestorsOf(r: Record<string, string>): string[] | null {
  if (!r.ancestors) return [];
  try {
    const a = JSON.parse(r.ancestors) as unknown;
    return Array.isArray(a) && a.every((x) => typeof x === 'string' && REF_RE.test(x)) ? (a as string[]) : null;
  } catch {
    return null;
  }
}

function decode(id: string, r: Record<string, string>): TokenRecord {
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
