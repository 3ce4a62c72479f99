import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../shared/redis';
import { KeyRingService } from '../subgraphs/kms/domain/keyRingService';
import { KeyWrapper } from '../subgraphs/kms/domain/keyWrapper';
import type { KmsKeyRecord } from '../subgraphs/kms/domain/keyRing';
import { KeyStore, keyMetadataMac, type KeyRef } from '../subgraphs/kms/store/keyStore';
import type { Op } from './loadgen';

/** Counts reads of wrapped material: each one is a cache miss of KeyRingService (then an unwrap). */
class CountingKeyStore extends KeyStore {
  materialReads = 0;

  override wrappedMaterial(ref: KeyRef, version: number): Promise<Buffer | null> {
    this.materialReads++;
    return super.wrappedMaterial(ref, version);
  }
}

const PROJECT = 'bench';
const REGION = 'us-east-1';
/** More keys than the "disabled" cache holds, used round-robin: with a 1-entry LRU every use misses. */
export const CACHE_BENCH_KEYS = 64;

export interface MaterialCacheFixture {
  /** Encrypt of 1 KiB with a key record read beforehand (crypto and material lookup only). */
  encryptOnly(warm: boolean): Op;
  /** What one encrypt request does in the domain: read the key record (fresh state), then encrypt. */
  readAndEncrypt(warm: boolean): Op;
  /** Wrapped-material reads (= cache misses) so far, per service. */
  misses(): { warm: number; cold: number };
}

/**
 * The kms fast path at the domain level: two KeyRingServices over the same keys in a real Redis,
 * one with the default LRU of unwrapped material (warm), one whose LRU holds a single entry while
 * the benchmark cycles over CACHE_BENCH_KEYS keys, so every encrypt reads and unwraps the material
 * (the LRU cannot be sized 0; 1 entry with a round-robin over many keys has the same effect, and
 * the miss counter proves it).
 */
export async function materialCacheFixture(redis: RedisClient, wrapperKey = randomBytes(32)): Promise<MaterialCacheFixture> {
  const now = () => new Date();
  const warmStore = new CountingKeyStore(redis, keyMetadataMac(wrapperKey));
  const coldStore = new CountingKeyStore(redis, keyMetadataMac(wrapperKey));
  const warm = new KeyRingService(REGION, warmStore, new KeyWrapper(wrapperKey), now);
  const cold = new KeyRingService(REGION, coldStore, new KeyWrapper(wrapperKey), now, 1);
  const refs: KeyRef[] = [];
  for (let i = 0; i < CACHE_BENCH_KEYS; i++) {
    const identity = `cache-${i}`;
    await warm.create(PROJECT, { identity, type: 'AES256_GCM96' });
    refs.push(warm.ref(PROJECT, identity));
  }
  const records = (await warm.loadMany(refs)) as KmsKeyRecord[];
  if (records.some((r) => !r)) throw new Error('material cache bench: keys missing after create');
  const plaintext = randomBytes(1024);
  const next = (() => {
    let i = 0;
    return () => i++ % CACHE_BENCH_KEYS;
  })();
  const svc = (w: boolean) => (w ? warm : cold);
  return {
    encryptOnly: (w) => async () => {
      const r = await svc(w).encrypt(records[next()], plaintext, undefined);
      return r.ciphertext.length > 0;
    },
    readAndEncrypt: (w) => async () => {
      const [rec] = await svc(w).loadMany([refs[next()]]);
      if (!rec) return false;
      const r = await svc(w).encrypt(rec, plaintext, undefined);
      return r.ciphertext.length > 0;
    },
    misses: () => ({ warm: warmStore.materialReads, cold: coldStore.materialReads }),
  };
}
