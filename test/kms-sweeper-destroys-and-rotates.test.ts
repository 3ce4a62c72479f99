import Redis from 'ioredis';
import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';
import { KeyStore, keyMetadataMac } from '../subgraphs/kms/store/keyStore';
import { Sweeper } from '../subgraphs/kms/domain/sweeper';

const DAY = 86_400_000;
let nowMs = Date.parse('2026-03-01T00:00:00.000Z');
const clock = () => new Date(nowMs);

let a: KmsHarness;
let b: KmsHarness;
let raw: Redis;
beforeAll(async () => {
  const cfg = testConfig({ REGION: 'us-east-1' }, 'kms-sweeper');
  // Two replicas of the same region sharing Redis and the injected clock.
  a = await startKmsHarness(cfg, { now: clock });
  b = await startKmsHarness(cfg, { now: clock });
  raw = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  raw.disconnect();
});

async function ringFields(identity: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${a.config.redis.keyPrefix}kms:{us-east-1:default:${identity}}:ring`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) n += await raw.hlen(k);
  } while (cursor !== '0');
  return n;
}

it('destroys material only after deletionDate; metadata stays readable and the key stays PENDING_DELETION', async () => {
  await a.ok(Q.create, { input: { identity: 'doomed', type: 'ECDSA_P256' } });
  await a.ok(Q.rotate, { id: 'doomed' });
  const sched = (await a.ok(Q.schedule, { id: 'doomed', days: 7 })).scheduleKmsKeyDeletion;
  expect(Date.parse(sched.deletionDate)).toBe(nowMs + 7 * DAY);
  expect(await ringFields('doomed')).toBe(2);

  expect((await a.sweeper.runOnce()).destroyed).toEqual([]);
  nowMs += 7 * DAY - 1;
  expect((await a.sweeper.runOnce()).destroyed).toEqual([]);
  expect(await ringFields('doomed')).toBe(2);
  nowMs += 1;
  const r = await a.sweeper.runOnce();
  expect(r).toMatchObject({ ran: true, destroyed: ['default/doomed'] });
  expect(await ringFields('doomed')).toBe(0);

  const meta = (await b.ok(`{ kmsKey(identity: "doomed") { status deletionDate latestVersion versions { version } publicKeyPem } }`)).kmsKey;
  expect(meta).toEqual({ status: 'PENDING_DELETION', deletionDate: sched.deletionDate, latestVersion: 2, versions: [{ version: 1 }, { version: 2 }], publicKeyPem: null });
  const signed = await b.gql(Q.sign, { input: { keyIdentity: 'doomed', message: b64('m') } });
  expect(failure(signed)).toMatchObject({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' });
  expect(failure(signed).extensions!.kmsKeyStatus).toBe('PENDING_DELETION');
  expect(failure(await a.gql(Q.cancel, { id: 'doomed' }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await a.gql(Q.enable, { id: 'doomed' }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

  const events = (await a.services.audit.query('default', { action: 'kms.destroy_key_material' }, 10, null)).events;
  expect(events[0]).toMatchObject({ resource: 'kms-key:us-east-1/doomed', actor: 'system:sweeper', outcome: 'SUCCESS' });
  // Nothing left to do: a second sweep is a no-op.
  expect((await a.sweeper.runOnce()).destroyed).toEqual([]);
});

it('a cancelled deletion is never executed', async () => {
  await a.ok(Q.create, { input: { identity: 'spared', type: 'AES256_GCM96' } });
  await a.ok(Q.schedule, { id: 'spared', days: 7 });
  await a.ok(Q.cancel, { id: 'spared' });
  nowMs += 8 * DAY;
  expect((await a.sweeper.runOnce()).destroyed).toEqual([]);
  expect(await ringFields('spared')).toBe(1);
  await a.ok(Q.enable, { id: 'spared' });
  expect((await a.gql(Q.encrypt, { input: { keyIdentity: 'spared', plaintext: b64('x') } })).status).toBe(200);
});

it('auto-rotates when autoRotatePeriodDays elapses; old ciphertexts still decrypt; disabled keys wait', async () => {
  await a.ok(Q.create, { input: { identity: 'auto', type: 'AES256_GCM96', autoRotatePeriodDays: 2 } });
  await a.ok(Q.create, { input: { identity: 'auto-off', type: 'AES256_GCM96', autoRotatePeriodDays: 2 } });
  await a.ok(Q.disable, { id: 'auto-off' });
  const v1 = (await a.ok(Q.encrypt, { input: { keyIdentity: 'auto', plaintext: b64('old') } })).encrypt.ciphertext;
  nowMs += 2 * DAY - 1;
  expect((await a.sweeper.runOnce()).rotated).toEqual([]);
  nowMs += 1;
  expect((await a.sweeper.runOnce()).rotated).toEqual(['default/auto']);
  const k = (await a.ok(Q.get, { id: 'auto' })).kmsKey;
  expect(k.latestVersion).toBe(2);
  expect(k.versions[1].createdAt).toBe(new Date(nowMs).toISOString());
  expect((await b.ok(Q.encrypt, { input: { keyIdentity: 'auto', plaintext: b64('new') } })).encrypt.keyVersion).toBe(2);
  expect((await b.ok(Q.decrypt, { input: { keyIdentity: 'auto', ciphertext: v1 } })).decrypt.plaintext).toBe(b64('old'));
  expect((await a.ok(Q.get, { id: 'auto-off' })).kmsKey.latestVersion).toBe(1);
  const [ev] = (await a.services.audit.query('default', { action: 'kms.rotate_key', actor: 'system:sweeper' }, 5, null)).events;
  expect(ev).toMatchObject({ resource: 'kms-key:us-east-1/auto', keyVersion: 2 });

  nowMs += 2 * DAY;
  expect((await a.sweeper.runOnce()).rotated).toEqual(['default/auto']);
  expect((await a.ok(Q.get, { id: 'auto' })).kmsKey.latestVersion).toBe(3);
  // Switching auto-rotation off stops it.
  await a.ok(Q.update, { input: { identity: 'auto', autoRotatePeriodDays: null } });
  nowMs += 10 * DAY;
  expect((await a.sweeper.runOnce()).rotated).toEqual([]);
});

it('two replicas sweeping at once: exactly one acts on each due key (Redis lock)', async () => {
  await a.ok(Q.create, { input: { identity: 'race-del', type: 'AES256_GCM96' } });
  await a.ok(Q.create, { input: { identity: 'race-rot', type: 'AES256_GCM96', autoRotatePeriodDays: 1 } });
  await a.ok(Q.schedule, { id: 'race-del', days: 7 });
  nowMs += 8 * DAY;
  const [ra, rb] = await Promise.all([a.sweeper.runOnce(), b.sweeper.runOnce()]);
  expect([...ra.destroyed, ...rb.destroyed]).toEqual(['default/race-del']);
  expect([...ra.rotated, ...rb.rotated]).toEqual(['default/race-rot']);
  expect((await a.ok(Q.get, { id: 'race-rot' })).kmsKey.latestVersion).toBe(2);
});

it('while another replica holds the lock, runOnce does nothing; the lock is released with compare-and-delete', async () => {
  const store = new KeyStore(a.services.redis, keyMetadataMac(a.config.kmsRootKey!));
  await a.ok(Q.create, { input: { identity: 'locked', type: 'AES256_GCM96', autoRotatePeriodDays: 1 } });
  nowMs += 2 * DAY;
  expect(await store.acquireSweeperLock('us-east-1', 'other-replica', 60_000)).toBe(true);
  expect(await b.sweeper.runOnce()).toEqual({ ran: false, destroyed: [], rotated: [] });
  expect((await a.ok(Q.get, { id: 'locked' })).kmsKey.latestVersion).toBe(1);
  expect(await store.releaseSweeperLock('us-east-1', 'not-the-owner')).toBe(false);
  expect(await store.acquireSweeperLock('us-east-1', 'third', 60_000)).toBe(false);
  expect(await store.releaseSweeperLock('us-east-1', 'other-replica')).toBe(true);
  expect((await b.sweeper.runOnce()).rotated).toContain('default/locked');
  expect((await a.ok(Q.get, { id: 'locked' })).kmsKey.latestVersion).toBe(2);
});

it('start() sweeps on an interval and stop() ends it', async () => {
  await a.ok(Q.create, { input: { identity: 'timed', type: 'AES256_GCM96', autoRotatePeriodDays: 1 } });
  nowMs += 2 * DAY;
  const s = new Sweeper(a.keys, new KeyStore(a.services.redis, keyMetadataMac(a.config.kmsRootKey!)), a.services.auditFlow, a.services.log, { intervalMs: 20 });
  s.start();
  const deadline = Date.now() + 5000;
  while ((await a.ok(Q.get, { id: 'timed' })).kmsKey.latestVersion < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await s.stop();
  expect((await a.ok(Q.get, { id: 'timed' })).kmsKey.latestVersion).toBe(2);
});

it('fails closed: with the audit log unwritable the sweeper destroys and rotates nothing, then does both (audited) once it is back', async () => {
  await a.ok(Q.create, { input: { identity: 'sw-audit-doomed', type: 'AES256_GCM96' } });
  await a.ok(Q.create, { input: { identity: 'sw-audit-rot', type: 'AES256_GCM96', autoRotatePeriodDays: 1 } });
  await a.ok(Q.schedule, { id: 'sw-audit-doomed', days: 7 });
  nowMs += 8 * DAY;
  const stream = 'audit:{default}';
  await a.services.redis.rename(stream, `${stream}:saved`);
  await a.services.redis.set(stream, 'not a stream');
  try {
    const blocked = await a.sweeper.runOnce();
    expect(blocked.destroyed).not.toContain('default/sw-audit-doomed');
    expect(blocked.rotated).not.toContain('default/sw-audit-rot');
    expect(await ringFields('sw-audit-doomed')).toBe(1);
    expect((await a.ok(Q.get, { id: 'sw-audit-rot' })).kmsKey.latestVersion).toBe(1);
  } finally {
    await a.services.redis.del(stream);
    await a.services.redis.rename(`${stream}:saved`, stream);
  }
  const done = await a.sweeper.runOnce();
  expect(done.destroyed).toContain('default/sw-audit-doomed');
  expect(done.rotated).toContain('default/sw-audit-rot');
  expect(await ringFields('sw-audit-doomed')).toBe(0);
  const events = await a.services.audit.query('default', { actor: 'system:sweeper' }, 100, null);
  const mine = events.events.filter((e) => e.resource.endsWith('/sw-audit-doomed') || e.resource.endsWith('/sw-audit-rot'));
  expect(mine.map((e) => [e.action, e.resource, e.outcome, e.keyVersion]).sort()).toEqual([
    ['kms.destroy_key_material', 'kms-key:us-east-1/sw-audit-doomed', 'SUCCESS', null],
    ['kms.rotate_key', 'kms-key:us-east-1/sw-audit-rot', 'SUCCESS', 2],
  ]);
});
