/*
 * The stored secrets of reveal-1m, written straight into the secret store, fast: the store's own
 * key layout (keyLayout.ts: secretKeys, allIndexKey, boundIndexKey) holding the records the
 * store's CREATE script writes for a secret created with a value (secretScripts.ts: meta hash,
 * version 1 in versions/values, live/order sets). Key names come from keyLayout in TypeScript and
 * are passed as KEYS; a small Lua loop writes 250 secrets per call (one client command instead of
 * five per secret, and none of CREATE's checks, which cost Redis ~5× more), plus the project and
 * bound-key index entries; big pipelines with several in flight. The first seeded secret is read back through the store's own readers
 * (readMeta, parseVersion) so a layout drift fails the scenario. Each seeded secret holds a
 * 32-byte value's worth of ciphertext (never revealed: only the one created through the API is).
 * Removal UNLINKs the same keys in batches.
 */
import { newSecretUid } from '../subgraphs/secrets/domain/secret';
import { allIndexKey, boundIndexKey, secretKeys } from '../subgraphs/secrets/store/keyLayout';
import { parseVersion, readMeta } from '../subgraphs/secrets/store/secretRecords';
import type { RedisClient } from '../shared/redis';

const PIPELINE = 2000;
const IN_FLIGHT = 4;
const PER_CALL = 250;
const INDEX_CHUNK = 1000;
const VALUE_BYTES = 32;
/** Secrets per UNLINK: 1000 (5000 keys) held Redis 11-41 ms per call (SLOWLOG) while others' tests ran. */
const UNLINK_SECRETS = 200;

export interface SeedSpec {
  project: string;
  region: string;
  kmsKeyIdentity: string;
  /** Seeded paths are `<pathPrefix><n>`, n from `from` (inclusive) to `to` (exclusive). */
  pathPrefix: string;
}

const pathOf = (spec: SeedSpec, n: number) => `${spec.pathPrefix}${n}`;

async function windows(from: number, to: number, size: number, work: (a: number, b: number) => Promise<void>): Promise<void> {
  const starts: number[] = [];
  for (let a = from; a < to; a += size) starts.push(a);
  for (let i = 0; i < starts.length; i += IN_FLIGHT) {
    await Promise.all(starts.slice(i, i + IN_FLIGHT).map((a) => work(a, Math.min(to, a + size))));
  }
}

async function exec(pipe: ReturnType<RedisClient['pipeline']>): Promise<void> {
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
}

/**
 * KEYS: the 6 keys of each secret (secretKeys order). ARGV: region, identity, nowIso, version
 * record, ciphertext, then one uid per secret. Writes what CREATE writes for a secret with a value.
 */
const BULK_WRITE = `
local n = #KEYS / 6
for i = 0, n - 1 do
  local b = i * 6
  redis.call('HSET', KEYS[b + 1], 'region', ARGV[1], 'kmsKeyIdentity', ARGV[2], 'tags', '[]', 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
    'currentVersion', '1', 'maxVersions', '100', 'nextVersion', '2', 'uid', ARGV[5 + i + 1])
  redis.call('HSET', KEYS[b + 2], '1', ARGV[4])
  redis.call('HSET', KEYS[b + 3], '1', ARGV[5])
  redis.call('ZADD', KEYS[b + 4], 1, '1')
  redis.call('ZADD', KEYS[b + 5], 1, '1')
end
return n
`;

/** Seeds secrets n ∈ [from, to); `redis` has the services' key prefix. */
export async function seedSecrets(redis: RedisClient, spec: SeedSpec, from: number, to: number, progress: (done: number) => void = () => undefined): Promise<void> {
  redis.defineCommand('benchSeedSecrets', { lua: BULK_WRITE });
  const nowIso = new Date().toISOString();
  const ciphertext = `kms:v1:${Buffer.alloc(12 + VALUE_BYTES + 16, 7).toString('base64')}`;
  const version = JSON.stringify({ s: 'ENABLED', c: nowIso, k: 1, b: VALUE_BYTES });
  let done = 0;
  await windows(from, to, PIPELINE, async (a, b) => {
    const pipe = redis.pipeline() as ReturnType<RedisClient['pipeline']> & { benchSeedSecrets(...args: string[]): unknown };
    for (let c = a; c < b; c += PER_CALL) {
      const keys: string[] = [];
      const uids: string[] = [];
      for (let n = c; n < Math.min(b, c + PER_CALL); n++) {
        keys.push(...secretKeys(spec.project, pathOf(spec, n)));
        uids.push(newSecretUid());
      }
      pipe.benchSeedSecrets(String(keys.length), ...keys, spec.region, spec.kmsKeyIdentity, nowIso, version, ciphertext, ...uids);
    }
    const members: string[] = [];
    for (let n = a; n < b; n++) members.push('0', pathOf(spec, n));
    for (let i = 0; i < members.length; i += 2 * INDEX_CHUNK) {
      const chunk = members.slice(i, i + 2 * INDEX_CHUNK);
      pipe.zadd(allIndexKey(spec.project), ...chunk);
      pipe.zadd(boundIndexKey(spec.project, spec.region, spec.kmsKeyIdentity), ...chunk);
    }
    await exec(pipe);
    done += b - a;
    if (done % 100_000 < PIPELINE) progress(done);
  });
  if (to > from) await checkSeeded(redis, spec, from);
}

/** Reads seeded secret n back through the store's own record readers. */
async function checkSeeded(redis: RedisClient, spec: SeedSpec, n: number): Promise<void> {
  const meta = await readMeta(redis, spec.project, pathOf(spec, n));
  const [, versions] = secretKeys(spec.project, pathOf(spec, n));
  const v = parseVersion(1, await redis.hget(versions, '1'));
  if (meta?.region !== spec.region || meta.kmsKeyIdentity !== spec.kmsKeyIdentity || meta.currentVersion !== 1 || v?.state !== 'ENABLED') {
    throw new Error('seeded secret does not read back as the store writes it (key layout or record format drifted)');
  }
}

/** UNLINKs every key of secrets n ∈ [from, to) and their index entries; returns the keys unlinked. */
export async function unseedSecrets(redis: RedisClient, spec: SeedSpec, from: number, to: number): Promise<number> {
  let unlinked = 0;
  await windows(from, to, PIPELINE, async (a, b) => {
    const pipe = redis.pipeline();
    for (let n = a; n < b; n += UNLINK_SECRETS) {
      const keys: string[] = [];
      const paths: string[] = [];
      for (let m = n; m < Math.min(b, n + UNLINK_SECRETS); m++) {
        keys.push(...secretKeys(spec.project, pathOf(spec, m)));
        paths.push(pathOf(spec, m));
      }
      pipe.unlink(...keys);
      pipe.zrem(allIndexKey(spec.project), ...paths);
      pipe.zrem(boundIndexKey(spec.project, spec.region, spec.kmsKeyIdentity), ...paths);
    }
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, v], i) => {
      if (err) throw err;
      if (i % 3 === 0) unlinked += Number(v);
    });
  });
  return unlinked;
}
