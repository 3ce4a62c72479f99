import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { quotaExceeded } from './errors';
import { isProjectName, validateProjectName } from './identifiers';
import { RecordMac } from './recordMac';
import { pipelined, type RedisClient } from './redis';
import type { Principal } from './principal';

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

/** The MAC of token records, derived from INTERNAL_SECRET (which every service that verifies tokens holds). */
export function tokenRecordMac(internalSecret: string): RecordMac {
  return new RecordMac(internalSecret, 'token-record-v1');
}

/**
 * The stored fields the record's `mac` covers (with the id): every field that grants or limits
 * access. A field added to the record that does either belongs here.
 */
const SEALED_FIELDS = ['hash', 'name', 'project', 'scopes', 'pathPrefixes', 'createdAt', 'expiresAt', 'revoked'] as const;
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

  static rootPrincipal(): Principal {
    return { tokenId: 'root', project: 'default', scopes: ['*'], pathPrefixes: null, root: true };
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, reason: 'malformed' };
    const presented = m[1];
    const presentedHash = sha256(presented);
    if (this.rootHash && timingSafeEqual(presentedHash, this.rootHash)) {
      return { ok: true, principal: TokenStore.rootPrincipal() };
    }
    const parts = TOKEN_RE.exec(presented);
    if (!parts) return { ok: false, reason: 'malformed' };
    const rec = await this.redis.hgetall(tokenKey(parts[1]));
    if (!rec || !rec.hash) return { ok: false, reason: 'unknown' };
    const stored = Buffer.from(rec.hash, 'hex');
    if (stored.length !== presentedHash.length || !timingSafeEqual(stored, presentedHash)) {
      return { ok: false, reason: 'unknown' };
    }
    if (!this.intact(parts[1], rec)) {
      return { ok: false, reason: 'tampered', tokenId: parts[1], ...(isProjectName(rec.project) ? { project: rec.project } : {}) };
    }
    const r = decode(parts[1], rec);
    if (r.revoked) return { ok: false, reason: 'revoked', project: r.project, tokenId: r.id };
    if (r.expiresAt && Date.parse(r.expiresAt) <= this.now().getTime()) {
      return { ok: false, reason: 'expired', project: r.project, tokenId: r.id };
    }
    return {
      ok: true,
      principal: { tokenId: r.id, project: r.project, scopes: r.scopes, pathPrefixes: r.pathPrefixes, root: false },
    };
  }

  /** A fresh token id (64 random bits, hex). */
  static newId(): string {
    return randomBytes(8).toString('hex');
  }

  async create(
    input: { name: string; project: string; scopes: string[]; pathPrefixes: string[] | null; expiresAt: Date | null },
    id: string = TokenStore.newId(),
  ): Promise<{ token: string; record: TokenRecord }> {
    // The project becomes a hash tag: a name outside the shared rule never reaches a key.
    validateProjectName(input.project);
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
      await this.writeRecord(id, token, record, now);
    } catch (err) {
      await this.redis.zrem(liveKey(input.project), id).catch(() => undefined);
      throw err;
    }
    return { token, record };
  }

  private async writeRecord(id: string, token: string, record: TokenRecord, now: Date): Promise<void> {
    // Two keys in two slots: the record is written first, so an index entry never points at nothing.
    await this.redis.hset(tokenKey(id), this.sealed(id, {
      hash: sha256(token).toString('hex'),
      name: record.name,
      project: record.project,
      scopes: JSON.stringify(record.scopes),
      pathPrefixes: JSON.stringify(record.pathPrefixes),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt ?? '',
      revoked: '0',
    }));
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

  /** Revokes a token of `project`; false if there is no such token there. */
  async revoke(project: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{16}$/.test(id)) return false;
    const raw = await this.redis.hgetall(tokenKey(id));
    if (!raw || !raw.hash || !this.intact(id, raw) || raw.project !== project) return false;
    const { mac } = this.sealed(id, { ...raw, revoked: '1' });
    await this.redis.hset(tokenKey(id), { revoked: '1', mac });
    await this.redis.zrem(liveKey(project), id);
    return true;
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
