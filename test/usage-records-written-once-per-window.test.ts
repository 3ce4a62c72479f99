import { randomBytes } from 'node:crypto';
import { createRedis, type RedisClient } from '../shared/redis';
import { KeyRingService } from '../subgraphs/kms/domain/keyRingService';
import { KeyUsage } from '../subgraphs/kms/domain/keyUsage';
import { KeyWrapper } from '../subgraphs/kms/domain/keyWrapper';
import { KeyStore, keyMetadataMac } from '../subgraphs/kms/store/keyStore';
import { SecretAccess } from '../subgraphs/secrets/domain/secretAccess';
import { SecretStore, indexKeyNames, newSecretUid } from '../subgraphs/secrets/store/secretStore';
import { testConfig } from './support/env';
import { startStack, type Stack } from './support/stack';

/**
 * KmsKey.lastUsedAt and Secret.lastAccessedAt cost at most one Redis write per key / secret per
 * window, observed in Redis: repeated uses within the window write nothing more (through the
 * gateway, and with an injected clock across the window's edge), a second replica within the
 * window does not write again, the write never moves the key record's CAS revision, and a failed
 * write is reported (without values) and never fails the operation.
 */
jest.setTimeout(60_000);

const WINDOW = 60_000;

describe('through the gateway (real clock)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'usage-throttle', kms: true, secrets: true });
  });
  afterAll(() => stack.stop());

  const kmsOf = (region: string) => (stack.running.get(`kms-${region}`) as unknown as { keys: KeyRingService }).keys;
  const secretsAccess = () => (stack.running.get('secrets') as unknown as { access: SecretAccess }).access;
  const clockPast = async (ms: number) => {
    while (Date.now() <= ms) await new Promise((r) => setImmediate(r));
  };

  test.each(['us-east-1', 'eu-west-1'])('two encrypts within the window write the key use once (%s)', async (region) => {
    await stack.ok('mutation { createKmsKey(input: { identity: "hot", type: AES256_GCM96 }) { identity } }', {}, { region });
    const store = new KeyStore(stack.services.get(`kms-${region}`)!.redis, keyMetadataMac(stack.services.get(`kms-${region}`)!.config.kmsRootKey!));
    const ref = { region, project: 'default', identity: 'hot' };
    const encrypt = () => stack.ok('mutation { encrypt(input: { keyIdentity: "hot", plaintext: "aGk=" }) { keyVersion } }', {}, { region });

    await encrypt();
    await kmsOf(region).usage.idle();
    const [first] = await store.lastUsedMany([ref]);
    expect(first).not.toBeNull();
    await clockPast(first!);
    await encrypt();
    await stack.ok('mutation { generateDataKey(input: { keyIdentity: "hot" }) { keyVersion } }', {}, { region });
    await kmsOf(region).usage.idle();
    expect(await store.lastUsedMany([ref])).toEqual([first]);
    const shown = (await stack.ok('{ kmsKey(identity: "hot") { lastUsedAt } }', {}, { region })).kmsKey.lastUsedAt;
    expect(shown).toBe(new Date(first!).toISOString());
  });

  test('two reveals within the window write the secret access once', async () => {
    await stack.ok('mutation { createKmsKey(input: { identity: "rev", type: AES256_GCM96 }) { identity } }');
    await stack.ok('mutation { createSecret(input: { path: "hot/secret", kmsKeyIdentity: "rev", value: "v" }) { region } }');
    const redis = stack.services.get('secrets')!.redis;
    const used = indexKeyNames('default', { region: 'us-east-1', identity: 'rev' }).used!;
    const reveal = () => stack.ok('{ getSecretValue(path: "hot/secret") { value } }');

    await reveal();
    await secretsAccess().idle();
    const first = await redis.zscore(used, 'hot/secret');
    expect(first).not.toBeNull();
    await clockPast(Number(first));
    await reveal();
    await stack.ok('{ batchGetSecretValue(paths: ["hot/secret"]) { value } }');
    await secretsAccess().idle();
    expect(await redis.zscore(used, 'hot/secret')).toBe(first);
    const shown = (await stack.ok('{ secret(path: "hot/secret") { lastAccessedAt } }')).secret.lastAccessedAt;
    expect(shown).toBe(new Date(Number(first)).toISOString());
  });
});

describe('with an injected clock', () => {
  let redis: RedisClient;
  let t = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date(t);
  beforeAll(() => {
    redis = createRedis(testConfig({}, 'usage-clock').redis);
  });
  afterAll(() => redis.disconnect());

  test('KMS: one write per key per window, one between replicas, the record and its commits untouched', async () => {
    const rootKey = randomBytes(32);
    const store = new KeyStore(redis, keyMetadataMac(rootKey));
    const wrapper = new KeyWrapper(rootKey);
    const keys = new KeyRingService('us-east-1', store, wrapper, now, 10, { windowMs: WINDOW });
    const rec = await keys.create('p1', { identity: 'k', type: 'AES256_GCM96' });
    const stored = async () => (await store.lastUsedMany([rec]))[0];
    const t0 = t;

    const { ciphertext } = await keys.encrypt(rec, Buffer.from('x'), undefined);
    await keys.usage.idle();
    expect(await stored()).toBe(t0);
    t += WINDOW - 1;
    await keys.decrypt(rec, ciphertext, undefined);
    await keys.sign(rec, Buffer.from('m')).catch(() => undefined); // wrong purpose: fails, records nothing
    await keys.usage.idle();
    expect(await stored()).toBe(t0);
    t += 1; // the window has passed: the next use is written
    await keys.encryptBatch(rec, [{ plaintext: 'eA==' }], (_f, s) => (s ? Buffer.from(s, 'base64') : undefined));
    await keys.usage.idle();
    expect(await stored()).toBe(t0 + WINDOW);

    // A second replica's first use, within the window of the first replica's write: no second write.
    const other = new KeyRingService('us-east-1', store, wrapper, now, 10, { windowMs: WINDOW });
    t += 10_000;
    await other.encrypt(rec, Buffer.from('y'), undefined);
    await other.usage.idle();
    expect(await stored()).toBe(t0 + WINDOW);
    // That replica still reports its own use (and would refuse ifUnusedSinceDays with it).
    expect((await other.lastUsedMany([rec]))[0]?.getTime()).toBe(t);

    // The use is outside the record: its revision is unchanged, and a lifecycle commit goes through.
    expect((await store.get(rec))!.rev).toBe(rec.rev);
    const disabled = await keys.disable('p1', 'k');
    expect({ status: disabled.status, rev: disabled.rev }).toEqual({ status: 'DISABLED', rev: rec.rev + 1 });
    expect(await stored()).toBe(t0 + WINDOW);
  });

  test('secrets: one write per secret per window, one between replicas, never backwards', async () => {
    const store = new SecretStore(redis, { now });
    const secret = await store.createSecret({
      project: 'p1', path: 'a/b', region: 'us-east-1', kmsKeyIdentity: 'k', description: null, tags: [], maxVersions: 10, uid: newSecretUid(),
    });
    const used = indexKeyNames('p1', { region: 'us-east-1', identity: 'k' }).used!;
    const access = new SecretAccess(store, now, { windowMs: WINDOW });
    const t0 = t;

    access.record(secret);
    await access.idle();
    expect(Number(await redis.zscore(used, 'a/b'))).toBe(t0);
    t += WINDOW - 1;
    access.record(secret);
    await access.idle();
    expect(Number(await redis.zscore(used, 'a/b'))).toBe(t0);
    t += 1;
    access.record(secret);
    await access.idle();
    expect(Number(await redis.zscore(used, 'a/b'))).toBe(t0 + WINDOW);

    const other = new SecretAccess(store, now, { windowMs: WINDOW });
    t += 1000;
    other.record(secret);
    await other.idle();
    expect(Number(await redis.zscore(used, 'a/b'))).toBe(t0 + WINDOW);
    // A replica whose clock lags never moves the stored time backwards.
    expect(await store.recordAccess(secret, t0, WINDOW)).toBe(false);
    expect(Number(await redis.zscore(used, 'a/b'))).toBe(t0 + WINDOW);
    expect((await access.lastAccessedMany([secret]))[0]?.getTime()).toBe(t0 + WINDOW);
  });

  test('a failed write is reported without values and retried by the next use; the use itself never fails', async () => {
    const dead = createRedis(testConfig({}, 'usage-dead').redis);
    dead.disconnect();
    const errors: unknown[] = [];
    const usage = new KeyUsage(new KeyStore(dead, keyMetadataMac(randomBytes(32))), now, { windowMs: WINDOW, onError: (err) => errors.push(err) });
    const ref = { region: 'us-east-1', project: 'p1', identity: 'gone' };
    expect(usage.record(ref)).toBeUndefined();
    await usage.idle();
    expect(errors).toHaveLength(1);
    usage.record(ref); // the failed window is not remembered: written (and failing) again
    await usage.idle();
    expect(errors).toHaveLength(2);
  });
});
