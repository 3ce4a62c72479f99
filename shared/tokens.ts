import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { quotaExceeded, unauthenticated } from './errors';
import { isProjectName, validateProjectName } from './identifiers';
import type { RecordMac } from './recordMac';
import { pipelined, type RedisClient } from './redis';
import { hashRecord, hgetallMany } from './hashReads';
import { ROOT_PROJECT, type Principal } from './principal';
import { frozen, TokenCache } from './tokenCache';
import {
  ancestorsOf, childrenKey, decode, isTokenRef, LINK, liveKey, projectIndexKey, recordKey, REF_RE, RESERVE_TOKEN_LUA, REVOKE, rootKey, sealedParts, sha256, tokenKey,
  type AuthResult, type RevokedToken, type TokenRecord,
} from './tokenRecord';

export { tokenRecordMac, type AuthResult, type RevokedToken, type TokenRecord } from './tokenRecord';

const TOKEN_RE = /^smk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** Tokens revoked at once per level of a cascade: bounded work however wide the tree. */
const CASCADE_BATCH = 100;

/**
 * Opaque bearer tokens `smk_<id>_<256-bit secret>`. The id locates the record in one round trip;
 * the SHA-256 of the whole token is compared in constant time.
 */
export class TokenStore {
  private readonly rootHash: Buffer | null;
  /** Successful lookups for at most `cacheMs` (TOKEN_CACHE_MS, ≤ 1 s), by the presented token's SHA-256. */
  private readonly cache: TokenCache<{ principal: Principal; expiresAtMs: number | null }>;

  /**
   * `maxLiveTokens`: unrevoked, unexpired tokens a project may hold (QUOTA_TOKENS; 0 = no limit).
   * `cacheMs`: how long a successful lookup may be reused (0 = every request reads Redis).
   */
  constructor(
    private readonly redis: RedisClient,
    rootToken: string | null,
    private readonly mac: RecordMac,
    private readonly now: () => Date = () => new Date(),
    private readonly maxLiveTokens = 0,
    cacheMs = 0,
  ) {
    this.rootHash = rootToken ? sha256(rootToken) : null;
    this.cache = new TokenCache(cacheMs);
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

  /**
   * A lookup within the last `cacheMs` is reused (TokenCache: revocations anywhere hold within
   * that long, this process's own at once); expiry is checked against the clock on every request.
   */
  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, reason: 'malformed' };
    // One-shot hex digest: the cache key without a Hash object and a Buffer per request.
    const cacheKey = hash('sha256', m[1], 'hex');
    const hit = this.cache.get(cacheKey);
    if (hit) {
      const p = hit.principal;
      if (hit.expiresAtMs !== null && hit.expiresAtMs <= this.now().getTime()) return { ok: false, reason: 'expired', project: p.project, tokenId: p.tokenId };
      return { ok: true, principal: p };
    }
    const readAt = this.cache.now();
    const res = await this.lookup(m[1], Buffer.from(cacheKey, 'hex'));
    if (res.ok) {
      const p = res.principal;
      this.cache.set(cacheKey, { principal: frozen(p), expiresAtMs: p.expiresAt ? Date.parse(p.expiresAt) : null }, readAt);
    }
    return res;
  }

  private async lookup(presented: string, presentedHash: Buffer): Promise<AuthResult> {
    if (this.rootHash && timingSafeEqual(presentedHash, this.rootHash)) {
      // Read on every lookup, on every replica: a revocation holds within the cache's age.
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
    // One script read per 250 records: a listing of 1000 costs a quarter of the client CPU of 1000 HGETALLs.
    const res = await hgetallMany(this.redis, ids.map(tokenKey));
    const out: TokenRecord[] = [];
    res.forEach((h, i) => {
      const r = hashRecord(h);
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
    // What this process remembered may now be revoked: forget it all (revocations are rare).
    this.cache.clear();
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


