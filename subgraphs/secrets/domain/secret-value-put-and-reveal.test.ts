import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { testConfig } from '../../../test/support/env';
import { createRedis } from '../../../shared/redis';
import { ApiError } from '../../../shared/errors';
import { KmsClient } from '../../../shared/kmsClient';
import { onBehalfKey, verifyAssertion } from '../../../shared/onBehalfOf';
import { SecretStore, secretKeyNames } from '../store/secretStore';
import { SecretsManager, type SecretsCall } from './secretsManager';

/**
 * The real kms subgraph is built elsewhere; until the cross-service tests exist, this is a small
 * KMS over real HTTP with real AES-256-GCM (associated data checked by GCM itself), reached through
 * the real KmsClient. It answers only the operations the secrets subgraph uses.
 */
interface LocalKey { type: string; status: string; versions: Buffer[] }
const keys = new Map<string, LocalKey>(); // `${region}/${identity}`
const calls: { region: string; op: string; requestId: string; onBehalfOf: string }[] = [];

function kmsServer(region: string): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      // encrypt, decrypt and decryptBatch come on the KMS's internal routes (the body is the variables); the key lookup is GraphQL.
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const internal = /^\/internal\/v1\/(encrypt|decrypt|decryptBatch)$/.exec(req.url ?? '');
      const variables = internal ? parsed : parsed.variables;
      const op = internal ? internal[1] : 'kmsKey';
      calls.push({ region, op, requestId: String(req.headers['x-request-id']), onBehalfOf: String(req.headers['x-on-behalf-of']) });
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const fail = (code: string, extra: Record<string, unknown> = {}) => send({ data: null, errors: [{ message: code, extensions: { code, ...extra } }] });
      if (op === 'kmsKey') {
        const k = keys.get(`${region}/${variables.identity}`);
        return send({ data: { kmsKey: k ? { identity: variables.identity, type: k.type, purpose: 'ENCRYPT_DECRYPT', status: k.status, region } : null } });
      }
      const input = op === 'decryptBatch' ? { keyIdentity: variables.keyIdentity } : variables.input;
      const k = keys.get(`${region}/${input.keyIdentity}`);
      if (!k) return fail('NOT_FOUND');
      if (k.status !== 'ACTIVE') return fail('KMS_KEY_NOT_ACTIVE', { kmsKeyStatus: k.status });
      const aad = Buffer.from(input.associatedData ?? '', 'base64');
      if (op === 'encrypt') {
        const v = k.versions.length;
        const nonce = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', k.versions[v - 1], nonce).setAAD(aad);
        const ct = Buffer.concat([c.update(Buffer.from(input.plaintext, 'base64')), c.final()]);
        const ciphertext = `kms:v${v}:${Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64')}`;
        return send({ data: { encrypt: { keyIdentity: input.keyIdentity, keyVersion: v, ciphertext } } });
      }
      const open = (ciphertext: string, itemAad: Buffer) => {
        const m = /^kms:v(\d+):(.+)$/.exec(ciphertext)!;
        const v = Number(m[1]);
        const raw = Buffer.from(m[2], 'base64');
        const d = createDecipheriv('aes-256-gcm', k.versions[v - 1], raw.subarray(0, 12)).setAAD(itemAad);
        d.setAuthTag(raw.subarray(raw.length - 16));
        return { keyVersion: v, plaintext: Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('base64') };
      };
      if (op === 'decryptBatch') {
        const items = (variables.items as { ciphertext: string; associatedData: string }[]).map((item, index) => {
          try {
            return { index, ...open(item.ciphertext, Buffer.from(item.associatedData, 'base64')), error: null };
          } catch {
            return { index, keyVersion: null, plaintext: null, error: { code: 'INVALID_CIPHERTEXT', message: 'INVALID_CIPHERTEXT' } };
          }
        });
        return send({ data: { decryptBatch: items } });
      }
      try {
        return send({ data: { decrypt: { keyIdentity: input.keyIdentity, ...open(input.ciphertext, aad) } } });
      } catch {
        return fail('INVALID_CIPHERTEXT');
      }
    });
  });
}

const servers: http.Server[] = [];
async function listen(s: http.Server): Promise<number> {
  servers.push(s);
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

let manager: SecretsManager;
let store: SecretStore;
let kms: KmsClient;
let redis: ReturnType<typeof createRedis>;
let config: ReturnType<typeof testConfig>;
const call: SecretsCall = { project: 'acme', caller: { tokenId: 'tok1', project: 'acme' }, requestId: 'req-1' };

beforeAll(async () => {
  const use1 = await listen(kmsServer('us-east-1'));
  const euw1 = await listen(kmsServer('eu-west-1'));
  config = testConfig(
    { REGIONS: `us-east-1=http://127.0.0.1:${use1}/graphql,eu-west-1=http://127.0.0.1:${euw1}/graphql,ap-southeast-2=`, DEFAULT_REGION: 'us-east-1' },
    'sec-manager',
  );
  redis = createRedis(config.redis);
  store = new SecretStore(redis);
  kms = new KmsClient(config, { timeoutMs: 1000 });
  manager = new SecretsManager(store, kms, config.regions);
  keys.set('us-east-1/app-key', { type: 'AES256_GCM96', status: 'ACTIVE', versions: [randomBytes(32)] });
  keys.set('us-east-1/sign-key', { type: 'ED25519', status: 'ACTIVE', versions: [randomBytes(32)] });
  keys.set('us-east-1/off-key', { type: 'AES256_GCM96', status: 'DISABLED', versions: [randomBytes(32)] });
  keys.set('eu-west-1/eu-key', { type: 'AES256_GCM96', status: 'ACTIVE', versions: [randomBytes(32)] });
});

afterAll(async () => {
  kms.close();
  await redis.quit();
  await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return 'no error';
}

test('create with a value, put, and reveal by current and by version; KMS sees the caller and request id', async () => {
  calls.length = 0;
  const { secret, kmsKeyVersion } = await manager.createSecret(call, { path: 'app/db', kmsKeyIdentity: 'app-key', value: 'first ünïcode' }, 'us-east-1');
  expect(secret).toMatchObject({ path: 'app/db', region: 'us-east-1', currentVersion: 1, maxVersions: 100 });
  expect(kmsKeyVersion).toBe(1);
  const v2 = await manager.putSecretValue(call, { path: 'app/db', value: 'second', expectedVersion: 1 });
  expect(v2).toMatchObject({ version: 2, state: 'ENABLED', kmsKeyVersion: 1 });
  expect(await manager.getSecretValue(call, { path: 'app/db' })).toMatchObject({ version: 2, value: 'second' });
  expect(await manager.getSecretValue(call, { path: 'app/db', version: 1 })).toMatchObject({ version: 1, value: 'first ünïcode' });
  expect(calls.every((c) => c.requestId === 'req-1')).toBe(true);
  // Each call carries its own assertion for the caller, the request and that one operation.
  const key = onBehalfKey(config.serviceCredential!);
  for (const c of calls) {
    const operation = c.op === 'kmsKey' ? 'getKey' : (c.op as 'encrypt' | 'decrypt' | 'decryptBatch');
    expect(verifyAssertion(key, c.onBehalfOf, { requestId: 'req-1', operation })).toMatchObject({ ok: true, assertion: { tokenId: 'tok1', project: 'acme', operation } });
  }
  expect(new Set(calls.map((c) => c.onBehalfOf)).size).toBe(calls.length);
  // Redis holds only ciphertext.
  expect(JSON.stringify(await redis.hgetall(secretKeyNames('acme', 'app/db').values))).not.toContain('second');
});

test('a ciphertext copied into another version or another secret fails to decrypt', async () => {
  await manager.createSecret(call, { path: 'app/a', kmsKeyIdentity: 'app-key', value: 'A1' }, 'us-east-1');
  await manager.putSecretValue(call, { path: 'app/a', value: 'A2' });
  await manager.createSecret(call, { path: 'app/b', kmsKeyIdentity: 'app-key', value: 'B1' }, 'us-east-1');
  const a = secretKeyNames('acme', 'app/a');
  const b = secretKeyNames('acme', 'app/b');
  // Same key, same version number, other secret: the associated data differs.
  await redis.hset(b.values, '1', (await redis.hget(a.values, '1'))!);
  expect(await codeOf(manager.getSecretValue(call, { path: 'app/b', version: 1 }))).toBe('INVALID_CIPHERTEXT');
  // Same secret, other version.
  await redis.hset(a.values, '2', (await redis.hget(a.values, '1'))!);
  expect(await codeOf(manager.getSecretValue(call, { path: 'app/a', version: 2 }))).toBe('INVALID_CIPHERTEXT');
});

test('a recreated path does not accept the old incarnation\'s ciphertext', async () => {
  await manager.createSecret(call, { path: 'app/re', kmsKeyIdentity: 'app-key', value: 'old' }, 'us-east-1');
  const old = await redis.hget(secretKeyNames('acme', 'app/re').values, '1');
  await manager.deleteSecret('acme', 'app/re');
  await manager.createSecret(call, { path: 'app/re', kmsKeyIdentity: 'app-key', value: 'new' }, 'us-east-1');
  await redis.hset(secretKeyNames('acme', 'app/re').values, '1', old!);
  expect(await codeOf(manager.getSecretValue(call, { path: 'app/re' }))).toBe('INVALID_CIPHERTEXT');
});

test('key binding rules at create: region, symmetric type, active state, existence', async () => {
  expect(await codeOf(manager.createSecret(call, { path: 'x/1', kmsKeyIdentity: 'eu-key' }, 'us-east-1'))).toBe('KEY_REGION_MISMATCH');
  expect(await codeOf(manager.createSecret(call, { path: 'x/2', kmsKeyIdentity: 'sign-key' }, 'us-east-1'))).toBe('UNSUPPORTED_KEY_TYPE');
  expect(await codeOf(manager.createSecret(call, { path: 'x/3', kmsKeyIdentity: 'off-key' }, 'us-east-1'))).toBe('KMS_KEY_NOT_ACTIVE');
  expect(await codeOf(manager.createSecret(call, { path: 'x/4', kmsKeyIdentity: 'nope' }, 'us-east-1'))).toBe('NOT_FOUND');
  expect(await codeOf(manager.createSecret(call, { path: 'x/5', kmsKeyIdentity: 'app-key', region: 'ap-southeast-2' }, 'us-east-1'))).toBe('REGION_UNAVAILABLE');
  expect(await codeOf(manager.createSecret(call, { path: 'x/6', kmsKeyIdentity: 'app-key', region: 'mars-1' }, 'us-east-1'))).toBe('BAD_USER_INPUT');
  expect(await codeOf(manager.createSecret(call, { path: 'x/../7', kmsKeyIdentity: 'app-key' }, 'us-east-1'))).toBe('BAD_USER_INPUT');
  const eu = await manager.createSecret(call, { path: 'x/eu', kmsKeyIdentity: 'eu-key', region: 'eu-west-1', value: 'v' }, 'us-east-1');
  expect(eu.secret.region).toBe('eu-west-1');
  expect(await codeOf(manager.createSecret(call, { path: 'x/eu', kmsKeyIdentity: 'eu-key', region: 'eu-west-1' }, 'us-east-1'))).toBe('ALREADY_EXISTS');
  for (const p of ['x/1', 'x/2', 'x/3', 'x/4', 'x/5']) expect(await store.getMeta('acme', p)).toBeNull();
});

test('a disabled key blocks put and reveal but not metadata; a failed put leaves no version behind', async () => {
  keys.set('us-east-1/flip-key', { type: 'AES128_GCM96', status: 'ACTIVE', versions: [randomBytes(32)] });
  await manager.createSecret(call, { path: 'flip/s', kmsKeyIdentity: 'flip-key', value: 'v1' }, 'us-east-1');
  keys.get('us-east-1/flip-key')!.status = 'DISABLED';
  expect(await codeOf(manager.putSecretValue(call, { path: 'flip/s', value: 'v2' }))).toBe('KMS_KEY_NOT_ACTIVE');
  expect(await codeOf(manager.getSecretValue(call, { path: 'flip/s' }))).toBe('KMS_KEY_NOT_ACTIVE');
  expect((await manager.getSecret('acme', 'flip/s'))!.currentVersion).toBe(1);
  expect((await manager.listVersions('acme', 'flip/s', 10, null)).nodes.map((v) => v.version)).toEqual([1]);
  keys.get('us-east-1/flip-key')!.status = 'ACTIVE';
  expect((await manager.putSecretValue(call, { path: 'flip/s', value: 'v2' })).version).toBe(2);
});

test('reading a deleted or destroyed current version is NOT_FOUND, no fall-back', async () => {
  await manager.createSecret(call, { path: 'del/s', kmsKeyIdentity: 'app-key', value: 'v1' }, 'us-east-1');
  await manager.putSecretValue(call, { path: 'del/s', value: 'v2' });
  await manager.changeVersions('acme', 'delete', 'del/s', [2]);
  expect(await codeOf(manager.getSecretValue(call, { path: 'del/s' }))).toBe('NOT_FOUND');
  await manager.changeVersions('acme', 'undelete', 'del/s', [2]);
  expect((await manager.getSecretValue(call, { path: 'del/s' })).value).toBe('v2');
  await manager.changeVersions('acme', 'destroy', 'del/s', [2]);
  expect(await codeOf(manager.getSecretValue(call, { path: 'del/s', version: 2 }))).toBe('NOT_FOUND');
  expect(await codeOf(manager.getSecretValue(call, { path: 'del/none' }))).toBe('NOT_FOUND');
  await manager.createSecret(call, { path: 'del/empty', kmsKeyIdentity: 'app-key' }, 'us-east-1');
  expect(await codeOf(manager.getSecretValue(call, { path: 'del/empty' }))).toBe('NOT_FOUND');
});

test('updateSecret refuses another key (IMMUTABLE_FIELD) and accepts the same one', async () => {
  await manager.createSecret(call, { path: 'upd/s', kmsKeyIdentity: 'app-key' }, 'us-east-1');
  expect(await codeOf(manager.updateSecret('acme', { path: 'upd/s', kmsKeyIdentity: 'other-key' }))).toBe('IMMUTABLE_FIELD');
  const s = await manager.updateSecret('acme', { path: 'upd/s', kmsKeyIdentity: 'app-key', description: 'd', maxVersions: 3 });
  expect(s).toMatchObject({ description: 'd', maxVersions: 3, kmsKeyIdentity: 'app-key' });
});

test('batchGetSecretValue fails per item and keeps order', async () => {
  await manager.createSecret(call, { path: 'batch/a', kmsKeyIdentity: 'app-key', value: 'A' }, 'us-east-1');
  await manager.createSecret(call, { path: 'batch/b', kmsKeyIdentity: 'app-key', value: 'B' }, 'us-east-1');
  const out = await manager.batchGetSecretValue(call, ['batch/b', 'batch/none', 'bad//path', 'batch/a', 'other/x'], (p) =>
    p.startsWith('other/') ? new ApiError('FORBIDDEN', 'no') : null,
  );
  expect(out.map((i) => [i.path, i.value?.value ?? null, i.error?.code ?? null])).toEqual([
    ['batch/b', 'B', null],
    ['batch/none', null, 'NOT_FOUND'],
    ['bad//path', null, 'BAD_USER_INPUT'],
    ['batch/a', 'A', null],
    ['other/x', null, 'FORBIDDEN'],
  ]);
  expect(await codeOf(manager.batchGetSecretValue(call, Array.from({ length: 101 }, (_, i) => `p/${i}`)))).toBe('BAD_USER_INPUT');
});

test('a batch read of secrets without a readable value (none yet, deleted, destroyed) among readable ones keeps every item its own', async () => {
  // One flat reveal row per secret on Redis: an item without a value must not shift the rows after it.
  await manager.createSecret(call, { path: 'rows/empty', kmsKeyIdentity: 'app-key' }, 'us-east-1');
  await manager.createSecret(call, { path: 'rows/deleted', kmsKeyIdentity: 'app-key', value: 'D' }, 'us-east-1');
  await manager.createSecret(call, { path: 'rows/destroyed', kmsKeyIdentity: 'app-key', value: 'X' }, 'us-east-1');
  await manager.createSecret(call, { path: 'rows/eu', kmsKeyIdentity: 'eu-key', value: 'E', region: 'eu-west-1' }, 'us-east-1');
  const two = await manager.createSecret(call, { path: 'rows/two', kmsKeyIdentity: 'app-key', value: 'T1' }, 'us-east-1');
  await manager.putSecretValue(call, { path: 'rows/two', value: 'T2' });
  await manager.changeVersions(call.project, 'delete', 'rows/deleted', [1]);
  await manager.changeVersions(call.project, 'destroy', 'rows/destroyed', [1]);
  const out = await manager.batchGetSecretValue(call, ['rows/empty', 'rows/none', 'rows/eu', 'rows/deleted', 'rows/two', 'rows/destroyed', 'rows/eu'], () => null, { requestRegion: 'us-east-1' });
  expect(out.map((i) => [i.path, i.value?.value ?? null, i.value?.version ?? null, i.error?.code ?? null])).toEqual([
    ['rows/empty', null, null, 'NOT_FOUND'],
    ['rows/none', null, null, 'NOT_FOUND'],
    ['rows/eu', 'E', 1, null],
    ['rows/deleted', null, null, 'NOT_FOUND'],
    ['rows/two', 'T2', 2, null],
    ['rows/destroyed', null, null, 'NOT_FOUND'],
    ['rows/eu', 'E', 1, null],
  ]);
  // The events' regions and the revealed secrets come from the same rows.
  expect(out.map((i) => i.audit?.extra.region ?? null)).toEqual(['us-east-1', 'us-east-1', 'eu-west-1', 'us-east-1', 'us-east-1', 'us-east-1', null]);
  expect(out.map((i) => i.revealed?.uid ?? null)).toEqual([null, null, expect.any(String), null, two.secret.uid, null, null]);
  const single = await manager.getSecretValue(call, { path: 'rows/two', version: 1 });
  expect([single.value, single.version]).toEqual(['T1', 1]);
});
