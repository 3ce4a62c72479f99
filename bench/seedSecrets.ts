/*
 * The stored secrets of reveal-1m, written straight into the secret store, fast: the store's own
 * key layout (keyLayout.ts) and its CREATE script (SecretCommands, the same Lua a createSecret
 * runs, so each record is what the store writes: meta, first version, live/order sets), plus the
 * project and bound-key index entries, in big pipelines with several in flight. Each seeded
 * secret has one version holding a 32-byte value's worth of ciphertext (never revealed: only the
 * one secret created through the API is). Removal UNLINKs the same keys in batches.
 */
import { newSecretUid } from '../subgraphs/secrets/domain/secret';
import { allIndexKey, boundIndexKey, secretKeys } from '../subgraphs/secrets/store/keyLayout';
import { SecretCommands } from '../subgraphs/secrets/store/secretCommands';
import type { RedisClient } from '../shared/redis';

const PIPELINE = 2000;
const IN_FLIGHT = 4;
const INDEX_CHUNK = 1000;
const VALUE_BYTES = 32;

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

/** Seeds secrets n ∈ [from, to); `redis` has the services' key prefix. */
export async function seedSecrets(redis: RedisClient, spec: SeedSpec, from: number, to: number, progress: (done: number) => void = () => undefined): Promise<void> {
  new SecretCommands(redis); // registers the store's scripts on this client
  const nowIso = new Date().toISOString();
  const ciphertext = `kms:v1:${Buffer.alloc(12 + VALUE_BYTES + 16, 7).toString('base64')}`;
  let done = 0;
  await windows(from, to, PIPELINE, async (a, b) => {
    const pipe = redis.pipeline() as unknown as Record<string, (...args: string[]) => unknown> & ReturnType<RedisClient['pipeline']>;
    for (let n = a; n < b; n++) {
      pipe.secretsCreate(...secretKeys(spec.project, pathOf(spec, n)), spec.region, spec.kmsKeyIdentity, '0', '', '[]', nowIso, '100', newSecretUid(),
        '1', ciphertext, '1', String(VALUE_BYTES));
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
}

/** UNLINKs every key of secrets n ∈ [from, to) and their index entries; returns the keys unlinked. */
export async function unseedSecrets(redis: RedisClient, spec: SeedSpec, from: number, to: number): Promise<number> {
  let unlinked = 0;
  await windows(from, to, PIPELINE, async (a, b) => {
    const pipe = redis.pipeline();
    for (let n = a; n < b; n += 100) {
      const keys: string[] = [];
      const paths: string[] = [];
      for (let m = n; m < Math.min(b, n + 100); m++) {
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
