import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testConfig } from '../../../test/support/env';
import { createRedis } from '../../../shared/redis';
import { ApiError } from '../../../shared/errors';
import { SecretStore, newSecretUid, secretKeyNames, type Reservation } from './secretStore';

const config = testConfig({}, 'sec-puts');
const redis = createRedis(config.redis);
const store = new SecretStore(redis);
afterAll(() => redis.quit());

const P = 'acme';
let n = 0;
async function newSecret(maxVersions = 100): Promise<string> {
  const path = `app/concurrency-${++n}`;
  await store.createSecret({ project: P, path, region: 'us-east-1', kmsKeyIdentity: 'k1', description: null, tags: [], maxVersions, uid: newSecretUid() });
  return path;
}

/** Stands in for the KMS round trip: a real async gap of random length between reserve and commit. */
async function slowEncrypt(r: Reservation) {
  await sleep(Math.floor(Math.random() * 15));
  return { ciphertext: `kms:v1:${randomBytes(24).toString('base64')}#${r.version}`, kmsKeyVersion: 1 };
}

test('50 concurrent puts without expectedVersion get versions exactly 1..50, no gap, no duplicate', async () => {
  const path = await newSecret();
  const results = await Promise.all(Array.from({ length: 50 }, () => store.putVersion(P, path, null, slowEncrypt)));
  const versions = results.map((v) => v.version).sort((a, b) => a - b);
  expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  const meta = await store.getMeta(P, path);
  expect(meta!.currentVersion).toBe(50);
  // Every stored ciphertext is the one encrypted for that version number (AAD would bind it).
  for (const v of [1, 17, 50]) {
    const got = await store.getVersion(P, path, v);
    expect(got!.ciphertext!.endsWith(`#${v}`)).toBe(true);
  }
  expect(await redis.hlen(secretKeyNames(P, path).pending)).toBe(0);
});

test('of 10 concurrent puts expecting the same version exactly one wins, the others get VERSION_CONFLICT', async () => {
  const path = await newSecret();
  await store.putVersion(P, path, 0, slowEncrypt); // v1
  const settled = await Promise.allSettled(Array.from({ length: 10 }, () => store.putVersion(P, path, 1, slowEncrypt)));
  const won = settled.filter((s) => s.status === 'fulfilled');
  const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(9);
  for (const l of lost) {
    expect(l.reason).toBeInstanceOf(ApiError);
    expect((l.reason as ApiError).code).toBe('VERSION_CONFLICT');
  }
  expect((won[0] as PromiseFulfilledResult<{ version: number }>).value.version).toBe(2);
  expect((await store.getMeta(P, path))!.currentVersion).toBe(2);
});

test('expectedVersion 0 means "no value yet": it wins once, then conflicts', async () => {
  const path = await newSecret();
  await expect(store.putVersion(P, path, 3, slowEncrypt)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
  expect((await store.putVersion(P, path, 0, slowEncrypt)).version).toBe(1);
  await expect(store.putVersion(P, path, 0, slowEncrypt)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
  expect((await store.putVersion(P, path, 1, slowEncrypt)).version).toBe(2);
});

test('a failed encrypt gives its number back; a failed lower reservation becomes DESTROYED, never a gap', async () => {
  const path = await newSecret();
  await expect(
    store.putVersion(P, path, null, async () => {
      throw new Error('kms down');
    }),
  ).rejects.toThrow('kms down');
  // The top number was given back: the next put is version 1.
  expect((await store.putVersion(P, path, null, slowEncrypt)).version).toBe(1);

  // Two in flight: the lower one (2) fails after the higher one (3) was handed out.
  const r2 = await store.reserveVersion(P, path, null);
  const r3 = await store.reserveVersion(P, path, null);
  expect([r2.version, r3.version]).toEqual([2, 3]);
  await store.releaseVersion(r2);
  await store.commitVersion(r3, 'kms:v1:AAAA', 1);
  const page = await store.listVersions(P, path, 10);
  expect(page.nodes.map((v) => [v.version, v.state])).toEqual([
    [3, 'ENABLED'],
    [2, 'DESTROYED'],
    [1, 'ENABLED'],
  ]);
  expect((await store.putVersion(P, path, null, slowEncrypt)).version).toBe(4);
});

test('a reservation that is never committed expires and is swept; its late commit is refused', async () => {
  const path = await newSecret();
  let now = Date.now();
  const timed = new SecretStore(redis, { now: () => new Date(now), reservationTtlMs: 1000 });
  const abandoned = await timed.reserveVersion(P, path, null);
  expect(abandoned.version).toBe(1);
  // While it is in flight a CAS put cannot be sure of the current version.
  await expect(timed.reserveVersion(P, path, 0)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
  now += 1500;
  const next = await timed.putVersion(P, path, 0, slowEncrypt);
  expect(next.version).toBe(1);
  await expect(timed.commitVersion(abandoned, 'kms:v1:AAAA', 1)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
  expect((await timed.getVersion(P, path, 1))!.ciphertext).not.toBe('kms:v1:AAAA');
});

test('commits out of order keep currentVersion at the highest committed number', async () => {
  const path = await newSecret();
  const r1 = await store.reserveVersion(P, path, null);
  const r2 = await store.reserveVersion(P, path, null);
  await store.commitVersion(r2, 'kms:v1:BBBB', 3);
  expect((await store.getMeta(P, path))!.currentVersion).toBe(2);
  await store.commitVersion(r1, 'kms:v1:AAAA', 2);
  const meta = await store.getMeta(P, path);
  expect(meta!.currentVersion).toBe(2);
  const v1 = await store.getVersion(P, path, 1);
  expect(v1).toMatchObject({ version: 1, state: 'ENABLED', kmsKeyVersion: 2, ciphertext: 'kms:v1:AAAA' });
  expect(typeof v1!.createdAt).toBe('string');
});

test('putting into a missing secret is NOT_FOUND', async () => {
  await expect(store.putVersion(P, 'app/nope', null, slowEncrypt)).rejects.toMatchObject({ code: 'NOT_FOUND' });
});
