import { Cluster } from 'ioredis';
import { isKeyIdentity, isProjectName } from '../../../shared/identifiers';
import type { RecordMac } from '../../../shared/recordMac';
import type { RedisClient } from '../../../shared/redis';
import type { KeyWrapper } from '../domain/keyWrapper';
import type { KeyRef } from '../domain/ports';
import { keyMetadataSealedParts, kmsKeyNames, kmsProjectKeyNames, kmsScheduleKeyNames, kmsScheduleMember } from './keyStore';

/**
 * A KMS key as stored, field for field: the metadata hash (with its `mac`, which stays valid
 * because nothing is re-encoded), the version list, the ring of WRAPPED material (useless without
 * the region's root key) and its sweeper schedules. Used by `npm run backup` / `restore`.
 */
export interface KmsKeyDump {
  region: string;
  project: string;
  identity: string;
  meta: Record<string, string>;
  versions: Record<string, string>;
  ring: Record<string, string>;
  used: string | null;
  dueDeletion: number | null;
  dueRotation: number | null;
}

const prefixOf = (redis: RedisClient) => ((redis.options as { keyPrefix?: string }).keyPrefix ?? '') as string;
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** Every KMS key under the client's prefix, all regions and projects (SCAN of the meta keys on every master). */
export async function scanKmsKeys(redis: RedisClient, region?: string): Promise<KeyRef[]> {
  const prefix = prefixOf(redis);
  const head = `${prefix}kms:{`;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found = new Map<string, KeyRef>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${globEscape(head)}${region ? globEscape(`${region}:`) : ''}*}:meta`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        if (!k.startsWith(head) || !k.endsWith('}:meta')) continue;
        // Region, project and identity never hold ':' (shared/identifiers.ts, region registry).
        const parts = k.slice(head.length, -'}:meta'.length).split(':');
        if (parts.length !== 3 || !isProjectName(parts[1]) || !isKeyIdentity(parts[2])) continue;
        found.set(k, { region: parts[0], project: parts[1], identity: parts[2] });
      }
    } while (cursor !== '0');
  }
  return [...found.values()].sort((a, b) => `${a.region}:${a.project}:${a.identity}`.localeCompare(`${b.region}:${b.project}:${b.identity}`));
}

/** The key's three hashes read in one transaction (one slot), so the dump is one consistent state; null if gone. */
export async function readKmsKeyDump(redis: RedisClient, ref: KeyRef): Promise<KmsKeyDump | null> {
  const n = kmsKeyNames(ref);
  const res = await redis.multi().hgetall(n.meta).hgetall(n.versions).hgetall(n.ring).get(n.used).exec();
  if (!res) throw new Error('transaction aborted');
  for (const [err] of res) if (err) throw err;
  const [meta, versions, ring, used] = res.map(([, v]) => v) as [Record<string, string>, Record<string, string>, Record<string, string>, string | null];
  if (!meta || Object.keys(meta).length === 0) return null;
  const s = kmsScheduleKeyNames(ref.region);
  const member = kmsScheduleMember(ref.project, ref.identity);
  const [del, rot] = await Promise.all([redis.zscore(s.deletion, member), redis.zscore(s.rotation, member)]);
  return { ...ref, meta, versions, ring, used, dueDeletion: del === null ? null : Number(del), dueRotation: rot === null ? null : Number(rot) };
}

export async function kmsKeyExists(redis: RedisClient, ref: KeyRef): Promise<boolean> {
  return (await redis.exists(kmsKeyNames(ref).meta)) === 1;
}

/**
 * Writes a dump back (replacing whatever the key held, in one transaction), then its listing
 * index entry, its place in the keys quota (while it holds material) and its schedules.
 */
export async function writeKmsKeyDump(redis: RedisClient, d: KmsKeyDump): Promise<void> {
  const n = kmsKeyNames(d);
  const tx = redis.multi().del(n.meta, n.versions, n.ring, n.used).hset(n.meta, d.meta);
  if (Object.keys(d.versions).length) tx.hset(n.versions, d.versions);
  if (Object.keys(d.ring).length) tx.hset(n.ring, d.ring);
  if (d.used !== null) tx.set(n.used, d.used);
  const res = await tx.exec();
  if (!res) throw new Error('transaction aborted');
  for (const [err] of res) if (err) throw err;
  const p = kmsProjectKeyNames(d.region, d.project);
  await redis.zadd(p.index, 0, d.identity);
  if (d.meta.materialDestroyed === '1') await redis.zrem(p.quota, d.identity);
  else await redis.zadd(p.quota, 0, d.identity);
  const s = kmsScheduleKeyNames(d.region);
  const member = kmsScheduleMember(d.project, d.identity);
  if (d.dueDeletion !== null) await redis.zadd(s.deletion, d.dueDeletion, member);
  else await redis.zrem(s.deletion, member);
  if (d.dueRotation !== null) await redis.zadd(s.rotation, d.dueRotation, member);
  else await redis.zrem(s.rotation, member);
}

// KEYS: a hash. ARGV: field, expected, replacement. Sets the field only if it still holds `expected`.
const REPLACE_IF_LUA = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

export interface RewrapResult {
  /** Ring entries (key versions) rewrapped now, or already under the new key. */
  rewrapped: number;
  already: number;
  /** Whether the metadata MAC was re-signed now (false: already under the new key, or the key is gone). */
  resealed: boolean;
}

export class RootKeyRotationError extends Error {}

/**
 * Moves one key from the old root key to the new one without touching any ciphertext: each ring
 * entry is unwrapped under the old key and wrapped under the new (same AAD: same key and version),
 * and the metadata MAC is signed again under the new key. Idempotent: what already unwraps (or
 * verifies) under the new key is left as it is. Each write is a compare-and-set against the
 * value read, so a KMS that changes the key meanwhile (it writes under the new key) wins.
 * An entry or record that is valid under neither key is refused, never re-signed.
 */
export async function rewrapKmsKey(
  redis: RedisClient,
  ref: KeyRef,
  keys: { oldWrapper: KeyWrapper; newWrapper: KeyWrapper; oldMac: RecordMac; newMac: RecordMac },
): Promise<RewrapResult> {
  const r = redis as RedisClient & { kmsReplaceIf?: (key: string, field: string, expected: string, next: string) => Promise<number> };
  if (typeof r.kmsReplaceIf !== 'function') r.defineCommand('kmsReplaceIf', { numberOfKeys: 1, lua: REPLACE_IF_LUA });
  const replaceIf = (key: string, field: string, expected: string, next: string) => r.kmsReplaceIf!(key, field, expected, next);
  const n = kmsKeyNames(ref);
  const out: RewrapResult = { rewrapped: 0, already: 0, resealed: false };
  for (let attempt = 0; ; attempt++) {
    if (attempt >= 5) throw new RootKeyRotationError(`key ${ref.region}/${ref.project}/${ref.identity} kept changing; run again`);
    const ring = await redis.hgetall(n.ring);
    let raced = false;
    for (const [v, b64] of Object.entries(ring)) {
      const vref = { ...ref, version: Number(v) };
      const wrapped = Buffer.from(b64, 'base64');
      if (keys.newWrapper.isCurrent(vref, wrapped)) {
        out.already++;
        continue;
      }
      let material: Buffer;
      try {
        material = keys.oldWrapper.unwrap(vref, wrapped);
      } catch {
        throw new RootKeyRotationError(`key ${ref.region}/${ref.project}/${ref.identity} version ${v} unwraps under neither root key`);
      }
      const next = keys.newWrapper.wrap(vref, material).toString('base64');
      material.fill(0);
      if ((await replaceIf(n.ring, v, b64, next)) === 1) out.rewrapped++;
      else raced = true;
    }
    if (raced) continue;
    const meta = await redis.hgetall(n.meta);
    if (!meta || Object.keys(meta).length === 0) return out;
    const parts = keyMetadataSealedParts(ref, meta);
    if (keys.newMac.verify(parts, meta.mac)) return out;
    if (!keys.oldMac.verify(parts, meta.mac)) {
      throw new RootKeyRotationError(`key ${ref.region}/${ref.project}/${ref.identity} metadata verifies under neither root key (tampered?)`);
    }
    if ((await replaceIf(n.meta, 'mac', meta.mac, keys.newMac.sign(parts))) === 1) {
      out.resealed = true;
      return out;
    }
  }
}
