import { quotaExceeded, recordTampered } from '../../../shared/errors';
import { validateKeyIdentity, validateProjectName } from '../../../shared/identifiers';
import { fieldsRecord, hmgetMany } from '../../../shared/hashReads';
import { RecordMac, VerifiedRecords } from '../../../shared/recordMac';
import { pipelined, type RedisClient } from '../../../shared/redis';
import type { KeyVersionInfo, KmsKeyRecord } from '../domain/keyRing';
import type { KeyPurpose, KeyStatus, KeyType } from '../domain/keyTypes';
import type { CommitOptions, KeyRef, KeyRepository, SweepQueue } from '../domain/ports';
import { decode, encode, RECORD_FIELDS, sealedParts, sealedValues } from './keyRecord';

export { keyMetadataMac, keyMetadataSealedParts } from './keyRecord';

export type { KeyRef } from '../domain/ports';

/**
 * Redis layout (the only place that knows it):
 *   kms:{<region>:<project>:<identity>}:meta      hash  — KmsKeyRecord fields
 *   kms:{<region>:<project>:<identity>}:versions  hash  — version → createdAt
 *   kms:{<region>:<project>:<identity>}:ring      hash  — version → base64(wrapped material)
 *   kms:{<region>:<project>:<identity>}:used      string — last crypto use (ms), throttled (see KeyUsage);
 *                                                  outside the meta hash, so it never moves `rev`
 *   kms:index:{<region>:<project>}                zset  — identities, lexicographic (listing)
 *   kms:quota:{<region>:<project>}                zset  — identities that hold material: the keys quota
 *                                                  (reserved before the record, released once destroyed)
 *   kms:due-deletion:{<region>} / kms:due-rotation:{<region>}  zset — score = due time (ms)
 *   kms:sweeper-lock:{<region>}                   string — sweeper lock token
 *   kms:rotation:{<region>}:state / :done         hash / set — progress of npm run rotate-root-key
 * The three keys of one KMS key share a hash tag, so every change to a key is one Lua script.
 *
 * A project or identity outside the shared rule (shared/identifiers.ts) is refused with
 * BAD_USER_INPUT before it can reach a key name, so a brace or colon can never break the hash tag.
 * Keys written before this check URI-encoded region and project; for every name the rules (and the
 * region registry) admit, encodeURIComponent is the identity, so existing key names are unchanged.
 */
const base = (r: KeyRef) => `kms:{${r.region}:${validateProjectName(r.project)}:${validateKeyIdentity(r.identity)}}`;
const metaKey = (r: KeyRef) => `${base(r)}:meta`;
const versionsKey = (r: KeyRef) => `${base(r)}:versions`;
const ringKey = (r: KeyRef) => `${base(r)}:ring`;
const usedKey = (r: KeyRef) => `${base(r)}:used`;
const indexKey = (region: string, project: string) => `kms:index:{${region}:${validateProjectName(project)}}`;
const quotaKey = (region: string, project: string) => `kms:quota:{${region}:${validateProjectName(project)}}`;
const dueDeletionKey = (region: string) => `kms:due-deletion:{${region}}`;
const dueRotationKey = (region: string) => `kms:due-rotation:{${region}}`;
const lockKey = (region: string) => `kms:sweeper-lock:{${region}}`;

/** Key names of one KMS key and of its region/project sets, for backup, restore and root-key rotation (keyBackup.ts). */
export const kmsKeyNames = (r: KeyRef) => ({ meta: metaKey(r), versions: versionsKey(r), ring: ringKey(r), used: usedKey(r) });
export const kmsProjectKeyNames = (region: string, project: string) => ({ index: indexKey(region, project), quota: quotaKey(region, project) });
export const kmsScheduleKeyNames = (region: string) => ({ deletion: dueDeletionKey(region), rotation: dueRotationKey(region) });
export { scheduleMember as kmsScheduleMember };
/** Progress of a root-key rotation of a region: state hash (new key's id, counts) and the set of keys done. */
export const kmsRotationKeyNames = (region: string) => ({ state: `kms:rotation:{${region}}:state`, done: `kms:rotation:{${region}}:done` });

// KEYS: meta, versions, ring. ARGV: createdAt, wrapped, field1, value1, …
const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('HSET', KEYS[2], '1', ARGV[1])
redis.call('HSET', KEYS[3], '1', ARGV[2])
return 1`;

// KEYS: meta, versions, ring. ARGV: expectedRev, addVersion|'', createdAt, wrapped, destroyRing '1'|'0',
// nDel, del fields…, field/value pairs…  Returns 0 when the record changed meanwhile (or is gone).
const COMMIT_LUA = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev or rev ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then
  if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return 0 end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
end
if ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
local nDel = tonumber(ARGV[6])
for i = 7, 6 + nDel do redis.call('HDEL', KEYS[1], ARGV[i]) end
if #ARGV > 6 + nDel then redis.call('HSET', KEYS[1], unpack(ARGV, 7 + nDel)) end
return 1`;

// KEYS: meta, used. ARGV: time (ms), window (ms). Writes only for an existing key whose stored time
// is at least a window older, so replicas that each saw "a first use this minute" write once between them.
const RECORD_USE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) - cur < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
return 1`;

// KEYS: quota. ARGV: identity, max (0 = none). 1 when the identity holds (or now holds) a place, 0 at the quota.
// An identity already there is admitted again (a retry, or a create that will answer ALREADY_EXISTS).
const RESERVE_KEY_LUA = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
local max = tonumber(ARGV[2])
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1`;

// KEYS: meta, versions. ARGV: n. The newest n versions (1..latestVersion are contiguous), flat [version, createdAt, …].
const NEWEST_VERSIONS_LUA = `
local latest = tonumber(redis.call('HGET', KEYS[1], 'latestVersion') or '0')
local from = math.max(1, latest - tonumber(ARGV[1]) + 1)
local out = {}
for v = from, latest do
  local c = redis.call('HGET', KEYS[2], tostring(v))
  if c then
    out[#out + 1] = tostring(v)
    out[#out + 1] = c
  end
end
return out`;

const RELEASE_LOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Scripts = {
  kmsCreateKey(meta: string, versions: string, ring: string, ...argv: string[]): Promise<number>;
  kmsCommitKey(meta: string, versions: string, ring: string, ...argv: string[]): Promise<number>;
  kmsReleaseLock(lock: string, token: string): Promise<number>;
  kmsRecordUse(meta: string, used: string, atMs: string, windowMs: string): Promise<number>;
  kmsReserveKey(quota: string, identity: string, max: string): Promise<number>;
  kmsNewestVersions(meta: string, versions: string, n: string): Promise<string[]>;
};

const scheduleMember = (project: string, identity: string) => JSON.stringify([project, identity]);

/** The KMS key store: records, version rings of wrapped material, listing index, sweeper schedules. */
export class KeyStore implements KeyRepository, SweepQueue {
  private readonly redis: RedisClient & Scripts;
  /** Records already verified under mac or previousMac (both fixed for this store's life). */
  private readonly verified = new VerifiedRecords();

  /**
   * `mac` signs and checks every record (key from the region's KMS root key). A record that fails
   * the check is refused (recordTampered) after `onTampered` has recorded the refusal.
   * `maxKeys`: keys per project in this region that may hold material (QUOTA_KEYS; 0 = no limit).
   * `previousMac`: during a root-key rotation, records not yet re-signed still verify under the
   * previous root key's MAC; every write signs with `mac`.
   */
  constructor(
    redis: RedisClient,
    private readonly mac: RecordMac,
    private readonly opts: { maxKeys?: number; onTampered?: (ref: KeyRef) => Promise<void>; previousMac?: RecordMac | null } = {},
  ) {
    const r = redis as RedisClient & Scripts & Record<string, unknown>;
    if (typeof r.kmsCreateKey !== 'function') r.defineCommand('kmsCreateKey', { numberOfKeys: 3, lua: CREATE_LUA });
    if (typeof r.kmsCommitKey !== 'function') r.defineCommand('kmsCommitKey', { numberOfKeys: 3, lua: COMMIT_LUA });
    if (typeof r.kmsReleaseLock !== 'function') r.defineCommand('kmsReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK_LUA });
    if (typeof r.kmsRecordUse !== 'function') r.defineCommand('kmsRecordUse', { numberOfKeys: 2, lua: RECORD_USE_LUA });
    if (typeof r.kmsReserveKey !== 'function') r.defineCommand('kmsReserveKey', { numberOfKeys: 1, lua: RESERVE_KEY_LUA });
    if (typeof r.kmsNewestVersions !== 'function') r.defineCommand('kmsNewestVersions', { numberOfKeys: 2, lua: NEWEST_VERSIONS_LUA });
    this.redis = r;
  }

  /**
   * Creates the record with version 1; false if the identity is taken. Then indexes it.
   * QUOTA_EXCEEDED when the project's keys in this region are at QUOTA_KEYS: the place is reserved
   * first (another slot than the record), so concurrent creates can never pass the quota; a crash
   * between the two leaves a reserved place without a key (the bound errs towards refusing).
   */
  async create(rec: KmsKeyRecord, firstVersion: { createdAt: string; wrapped: Buffer }): Promise<boolean> {
    const max = this.opts.maxKeys ?? 0;
    if ((await this.redis.kmsReserveKey(quotaKey(rec.region, rec.project), rec.identity, String(max))) !== 1) throw quotaExceeded('keys', max);
    const { set } = encode(rec, this.mac);
    const ok = await this.redis.kmsCreateKey(metaKey(rec), versionsKey(rec), ringKey(rec), firstVersion.createdAt, firstVersion.wrapped.toString('base64'), ...set);
    // The index is another slot: written after the record, so it never names a missing key. On a
    // conflict it is written again, which heals an index entry lost to a crash between the two.
    await this.redis.zadd(indexKey(rec.region, rec.project), 0, rec.identity);
    return ok === 1;
  }

  /**
   * Writes `next` if the stored revision is still `expectedRev` (optionally adding a version or
   * destroying the ring in the same script). False when someone else changed the key meanwhile.
   */
  async commit(
    expectedRev: number,
    next: KmsKeyRecord,
    opts: CommitOptions = {},
  ): Promise<boolean> {
    const { set, del } = encode(next, this.mac);
    const add = opts.addVersion;
    const ok = await this.redis.kmsCommitKey(
      metaKey(next), versionsKey(next), ringKey(next),
      String(expectedRev), add ? String(add.version) : '', add?.createdAt ?? '', add ? add.wrapped.toString('base64') : '',
      opts.destroyRing ? '1' : '0', String(del.length), ...del, ...set,
    );
    // A key whose material is gone no longer counts against the keys quota.
    if (ok === 1 && opts.destroyRing) await this.redis.zrem(quotaKey(next.region, next.project), next.identity);
    return ok === 1;
  }

  async get(ref: KeyRef): Promise<KmsKeyRecord | null> {
    return this.checked(ref, await this.redis.hgetall(metaKey(ref)));
  }

  /** Many records in one round trip (shared/hashReads.ts: one script call on a single node, pipelined per slot on a cluster). */
  async getMany(refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]> {
    const rows = await hmgetMany(this.redis, refs.map(metaKey), RECORD_FIELDS);
    return Promise.all(rows.map((row, i) => this.checked(refs[i], fieldsRecord(RECORD_FIELDS, row) ?? {})));
  }

  /** The record, or null if there is none; refused when its MAC does not hold (also for records without one). */
  private async checked(ref: KeyRef, h: Record<string, string>): Promise<KmsKeyRecord | null> {
    const rec = decode(ref, h);
    if (rec === null) return null;
    const values = sealedValues(ref, h);
    if (this.verified.holds(h.mac, values)) return rec;
    const parts = sealedParts(ref, h);
    if (!this.mac.verify(parts, h.mac) && !this.opts.previousMac?.verify(parts, h.mac)) {
      await this.opts.onTampered?.(ref);
      throw recordTampered();
    }
    this.verified.remember(h.mac, values);
    return rec;
  }

  /** Versions of many keys, oldest first; with `newest`, only that many of the latest (read without touching the rest). */
  async versionsMany(refs: readonly KeyRef[], newest?: number): Promise<KeyVersionInfo[][]> {
    if (newest !== undefined) {
      const flats = (await pipelined(this.redis, refs.map((r) => ['kmsNewestVersions', metaKey(r), versionsKey(r), newest]))) as string[][];
      return flats.map((f) => {
        const out: KeyVersionInfo[] = [];
        for (let i = 0; i + 1 < f.length; i += 2) out.push({ version: Number(f[i]), createdAt: f[i + 1] });
        return out;
      });
    }
    const hashes = (await pipelined(this.redis, refs.map((r) => ['hgetall', versionsKey(r)]))) as Record<string, string>[];
    return hashes.map((h) =>
      Object.entries(h ?? {})
        .map(([v, createdAt]) => ({ version: Number(v), createdAt }))
        .sort((a, b) => a.version - b.version),
    );
  }

  async wrappedMaterial(ref: KeyRef, version: number): Promise<Buffer | null> {
    const v = await this.redis.hget(ringKey(ref), String(version));
    return v === null ? null : Buffer.from(v, 'base64');
  }

  /**
   * Records a crypto use at `atMs` unless the stored one is less than `windowMs` older (or the key
   * is gone). True if it wrote. Never touches the record, so it cannot disturb a commit.
   */
  async recordUse(ref: KeyRef, atMs: number, windowMs: number): Promise<boolean> {
    return (await this.redis.kmsRecordUse(metaKey(ref), usedKey(ref), String(atMs), String(windowMs))) === 1;
  }

  /** Last recorded use (ms) of many keys in one round trip; null where never used. */
  async lastUsedMany(refs: readonly KeyRef[]): Promise<(number | null)[]> {
    const values = (await pipelined(this.redis, refs.map((r) => ['get', usedKey(r)]))) as (string | null)[];
    return values.map((v) => (v === null || !Number.isFinite(Number(v)) ? null : Number(v)));
  }

  /** Identities of a project after `after` (exclusive), in order. */
  async listIdentities(region: string, project: string, after: string | null, limit: number): Promise<string[]> {
    return this.redis.zrangebylex(indexKey(region, project), after ? `(${after}` : '-', '+', 'LIMIT', 0, limit);
  }

  async scheduleDeletion(ref: KeyRef, at: Date | null): Promise<void> {
    const m = scheduleMember(ref.project, ref.identity);
    if (at) await this.redis.zadd(dueDeletionKey(ref.region), at.getTime(), m);
    else await this.redis.zrem(dueDeletionKey(ref.region), m);
  }

  async scheduleRotation(ref: KeyRef, at: Date | null): Promise<void> {
    const m = scheduleMember(ref.project, ref.identity);
    if (at) await this.redis.zadd(dueRotationKey(ref.region), at.getTime(), m);
    else await this.redis.zrem(dueRotationKey(ref.region), m);
  }

  async dueDeletions(region: string, now: Date, limit: number): Promise<KeyRef[]> {
    return this.due(dueDeletionKey(region), region, now, limit);
  }

  async dueRotations(region: string, now: Date, limit: number): Promise<KeyRef[]> {
    return this.due(dueRotationKey(region), region, now, limit);
  }

  async acquireSweeperLock(region: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(lockKey(region), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Deletes the lock only if it is still ours (it may have expired and been taken by another replica). */
  async releaseSweeperLock(region: string, token: string): Promise<boolean> {
    return (await this.redis.kmsReleaseLock(lockKey(region), token)) === 1;
  }

  private async due(key: string, region: string, now: Date, limit: number): Promise<KeyRef[]> {
    const members = await this.redis.zrangebyscore(key, '-inf', now.getTime(), 'LIMIT', 0, limit);
    return members.map((m) => {
      const [project, identity] = JSON.parse(m) as [string, string];
      return { region, project, identity };
    });
  }
}
