import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { startKmsSubgraph } from '../subgraphs/kms/server';
import { composedSupergraph, postGql, startStack, type Stack, type GqlResponse } from './support/stack';

/**
 * Issue 3 "Fast path": unwrapped material is cached per version in the kms process (the wrapped
 * blob in Redis is not read again once warm), while key *state* is read from Redis on every
 * request. Proof through the gateway: after the wrapped material of a warm version is corrupted in
 * Redis, the warm process still encrypts/decrypts with it, but a fresh replica of the same region
 * (same Redis, same root key) behind its own gateway fails — with an error, never a wrong answer.
 * And disabling the key takes effect on the warm process at the very next request.
 */
const REGION = 'us-east-1';
const b64 = (s: string) => Buffer.from(s).toString('base64');
let stack: Stack;
let replica: { services: Services; running: RunningService };
let gatewayB: RunningService;
/** The wrapped-material ring of key "cached" (store/keyStore.ts layout; the client adds the prefix). */
const RING = `kms:{${REGION}:default:cached}:ring`;
let original = '';
let ctBefore = '';

const viaA = (q: string, v: Record<string, unknown> = {}) => stack.gql(q, v, { region: REGION });
const viaB = (q: string, v: Record<string, unknown> = {}) => postGql(gatewayB.url, q, v, { token: stack.rootToken, region: REGION });
const ENCRYPT = `mutation($k: String!, $p: String!) { encrypt(input: { keyIdentity: $k, plaintext: $p }) { keyVersion ciphertext } }`;
const DECRYPT = `mutation($k: String!, $c: String!) { decrypt(input: { keyIdentity: $k, ciphertext: $c }) { keyVersion plaintext } }`;

function expectOk(r: GqlResponse): any {
  expect({ status: r.status, errors: r.body.errors }).toEqual({ status: 200, errors: undefined });
  return r.body.data;
}

function ring(): Services['redis'] {
  return stack.services.get(`kms-${REGION}`)!.redis;
}

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-cache', kms: true });
  for (const identity of ['cached', 'control']) {
    expectOk(await viaA(`mutation { createKmsKey(input: { identity: "${identity}", type: AES256_GCM96 }) { identity } }`));
  }
  // A second kms replica of us-east-1: same Redis prefix, same root key, its own (cold) cache.
  const rootKey = stack.services.get(`kms-${REGION}`)!.config.kmsRootKey!;
  expect(rootKey).toHaveLength(32);
  const services = createServices(`kms-${REGION}-replica`, stack.config({ REGION, KMS_ROOT_KEY: rootKey.toString('base64') }));
  const running = await startKmsSubgraph(services, { port: 0, host: '127.0.0.1', rootKey: services.config.kmsRootKey!, sweeper: false });
  replica = { services, running };
  // Gateway B routes us-east-1 to the replica; everything else as the stack's gateway.
  const regions = `${REGION}=${running.url},eu-west-1=${stack.kms('eu-west-1').url},ap-southeast-2=`;
  gatewayB = await startGateway(stack.config({ REGIONS: regions }), { port: 0, supergraphSdl: await composedSupergraph() });
}, 60_000);
afterAll(async () => {
  await gatewayB?.stop();
  await replica?.running.stop();
  replica?.services.redis.disconnect();
  await stack?.stop();
});

test('the replica is a working twin: same Redis and root key (a ciphertext of A opens on B)', async () => {
  const ct = expectOk(await viaA(ENCRYPT, { k: 'control', p: b64('made on A') })).encrypt.ciphertext;
  expect(expectOk(await viaB(DECRYPT, { k: 'control', c: ct })).decrypt.plaintext).toBe(b64('made on A'));
  const ctB = expectOk(await viaB(ENCRYPT, { k: 'control', p: b64('made on B') })).encrypt.ciphertext;
  expect(expectOk(await viaA(DECRYPT, { k: 'control', c: ctB })).decrypt.plaintext).toBe(b64('made on B'));
});

test('warm process keeps using cached material after the wrapped blob in Redis is corrupted; a cold replica fails with an error', async () => {
  // Warm process A's cache for cached@v1 (and only A's: B never touches "cached" before the corruption).
  ctBefore = expectOk(await viaA(ENCRYPT, { k: 'cached', p: b64('before corruption') })).encrypt.ciphertext;

  const stored = await ring().hget(RING, '1');
  expect(stored).not.toBeNull(); // the key name is right: the test really corrupts the version's material
  original = stored!;
  const blob = Buffer.from(original, 'base64');
  blob[blob.length - 1] ^= 0xff; // break the wrapping's GCM tag
  await ring().hset(RING, '1', blob.toString('base64'));
  expect(await ring().hget(RING, '1')).not.toBe(original);

  // A: material comes from its cache.
  const enc = expectOk(await viaA(ENCRYPT, { k: 'cached', p: b64('after corruption') })).encrypt;
  expect(enc.keyVersion).toBe(1);
  expect(expectOk(await viaA(DECRYPT, { k: 'cached', c: enc.ciphertext })).decrypt.plaintext).toBe(b64('after corruption'));
  expect(expectOk(await viaA(DECRYPT, { k: 'cached', c: ctBefore })).decrypt.plaintext).toBe(b64('before corruption'));

  // B: must unwrap from Redis, and the blob no longer authenticates → an error, never data.
  for (const [name, r] of [
    ['encrypt', await viaB(ENCRYPT, { k: 'cached', p: b64('x') })],
    ['decrypt', await viaB(DECRYPT, { k: 'cached', c: ctBefore })],
  ] as const) {
    // API.md: anything that is not a client's fault → 500 INTERNAL_SERVER_ERROR, message without internals.
    expect({ name, status: r.status, data: r.body.data, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ name, status: 500, data: null, code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(r.body)).not.toContain(b64('before corruption'));
    expect(r.body.errors![0].message).not.toMatch(/wrapped|authentication|redis|kms:\{/i);
  }
});

test('with the blob restored the replica works (it cached no failure): the failure above was the corrupted material', async () => {
  await ring().hset(RING, '1', original);
  expect(expectOk(await viaB(DECRYPT, { k: 'cached', c: ctBefore })).decrypt.plaintext).toBe(b64('before corruption'));
  const ct = expectOk(await viaB(ENCRYPT, { k: 'cached', p: b64('on B') })).encrypt.ciphertext;
  expect(expectOk(await viaA(DECRYPT, { k: 'cached', c: ct })).decrypt.plaintext).toBe(b64('on B'));
});

test('key state is not cached: disable through the gateway → the very next encrypt on the warm process is KMS_KEY_NOT_ACTIVE', async () => {
  expectOk(await viaA(ENCRYPT, { k: 'cached', p: b64('warm') }));
  expectOk(await viaB(ENCRYPT, { k: 'cached', p: b64('warm') }));
  // Disable through gateway B (the replica): process A hears nothing of it but Redis.
  expect(expectOk(await viaB(`mutation { disableKmsKey(identity: "cached") { status } }`)).disableKmsKey.status).toBe('DISABLED');
  for (const via of [viaA, viaB]) {
    const r = await via(ENCRYPT, { k: 'cached', p: b64('x') });
    expect({ status: r.status, ext: r.body.errors?.[0]?.extensions, data: r.body.data }).toEqual({
      status: 400, ext: expect.objectContaining({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' }), data: null,
    });
  }
  expect(expectOk(await viaA(`mutation { enableKmsKey(identity: "cached") { status } }`)).enableKmsKey.status).toBe('ACTIVE');
  expectOk(await viaB(ENCRYPT, { k: 'cached', p: b64('x') }));
  expectOk(await viaA(ENCRYPT, { k: 'cached', p: b64('x') }));
});
