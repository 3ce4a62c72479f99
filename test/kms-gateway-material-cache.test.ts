import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { startKmsSubgraph } from '../subgraphs/kms/server';
import { b64, gqlClient } from './support/gql';
import { composedSupergraph, startStack, type Stack } from './support/stack';

/**
 * The fast path: unwrapped material is cached per version in the kms process (the wrapped
 * blob in Redis is not read again once warm), while key *state* is read from Redis on every
 * request. Proof through the gateway: after the wrapped material of a warm version is corrupted in
 * Redis, the warm process still encrypts/decrypts with it, but a fresh replica of the same region
 * (same Redis, same root key) behind its own gateway fails — with an error, never a wrong answer.
 * And disabling the key takes effect on the warm process at the very next request.
 */
const REGION = 'us-east-1';
let stack: Stack;
let replica: { services: Services; running: RunningService };
let gatewayB: RunningService;
/** The wrapped-material ring of key "cached" (store/keyStore.ts layout; the client adds the prefix). */
const RING = `kms:{${REGION}:default:cached}:ring`;
let original = '';
let ctBefore = '';

/** Through the stack's gateway (A: us-east-1 is the warm process) or gateway B (us-east-1 is the cold replica). */
const viaA = gqlClient((q, v, o) => stack.gql(q, v, o), { region: REGION });
const viaB = gqlClient((q, v, o) => stack.gql(q, v, o), () => ({ region: REGION, url: gatewayB.url }));
const ENCRYPT = `mutation($k: String!, $p: String!) { encrypt(input: { keyIdentity: $k, plaintext: $p }) { keyVersion ciphertext } }`;
const DECRYPT = `mutation($k: String!, $c: String!) { decrypt(input: { keyIdentity: $k, ciphertext: $c }) { keyVersion plaintext } }`;

function ring(): Services['redis'] {
  return stack.services.get(`kms-${REGION}`)!.redis;
}

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-cache', kms: true });
  for (const identity of ['cached', 'control']) {
    await viaA.ok(`mutation { createKmsKey(input: { identity: "${identity}", type: AES256_GCM96 }) { identity } }`);
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
  const ct = (await viaA.ok(ENCRYPT, { k: 'control', p: b64('made on A') })).encrypt.ciphertext;
  expect((await viaB.ok(DECRYPT, { k: 'control', c: ct })).decrypt.plaintext).toBe(b64('made on A'));
  const ctB = (await viaB.ok(ENCRYPT, { k: 'control', p: b64('made on B') })).encrypt.ciphertext;
  expect((await viaA.ok(DECRYPT, { k: 'control', c: ctB })).decrypt.plaintext).toBe(b64('made on B'));
});

test('warm process keeps using cached material after the wrapped blob in Redis is corrupted; a cold replica fails with an error', async () => {
  // Warm process A's cache for cached@v1 (and only A's: B never touches "cached" before the corruption).
  ctBefore = (await viaA.ok(ENCRYPT, { k: 'cached', p: b64('before corruption') })).encrypt.ciphertext;

  const stored = await ring().hget(RING, '1');
  expect(stored).not.toBeNull(); // the key name is right: the test really corrupts the version's material
  original = stored!;
  const blob = Buffer.from(original, 'base64');
  blob[blob.length - 1] ^= 0xff; // break the wrapping's GCM tag
  await ring().hset(RING, '1', blob.toString('base64'));
  expect(await ring().hget(RING, '1')).not.toBe(original);

  // A: material comes from its cache.
  const enc = (await viaA.ok(ENCRYPT, { k: 'cached', p: b64('after corruption') })).encrypt;
  expect(enc.keyVersion).toBe(1);
  expect((await viaA.ok(DECRYPT, { k: 'cached', c: enc.ciphertext })).decrypt.plaintext).toBe(b64('after corruption'));
  expect((await viaA.ok(DECRYPT, { k: 'cached', c: ctBefore })).decrypt.plaintext).toBe(b64('before corruption'));

  // B: must unwrap from Redis, and the blob no longer authenticates → an error, never data.
  for (const [name, r] of [
    ['encrypt', await viaB.gql(ENCRYPT, { k: 'cached', p: b64('x') })],
    ['decrypt', await viaB.gql(DECRYPT, { k: 'cached', c: ctBefore })],
  ] as const) {
    // API.md: anything that is not a client's fault → 500 INTERNAL_SERVER_ERROR, message without internals.
    expect({ name, status: r.status, data: r.body.data, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ name, status: 500, data: null, code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(r.body)).not.toContain(b64('before corruption'));
    expect(r.body.errors![0].message).not.toMatch(/wrapped|authentication|redis|kms:\{/i);
  }
});

test('with the blob restored the replica works (it cached no failure): the failure above was the corrupted material', async () => {
  await ring().hset(RING, '1', original);
  expect((await viaB.ok(DECRYPT, { k: 'cached', c: ctBefore })).decrypt.plaintext).toBe(b64('before corruption'));
  const ct = (await viaB.ok(ENCRYPT, { k: 'cached', p: b64('on B') })).encrypt.ciphertext;
  expect((await viaA.ok(DECRYPT, { k: 'cached', c: ct })).decrypt.plaintext).toBe(b64('on B'));
});

test('key state is not cached: disable through the gateway → the very next encrypt on the warm process is KMS_KEY_NOT_ACTIVE', async () => {
  await viaA.ok(ENCRYPT, { k: 'cached', p: b64('warm') });
  await viaB.ok(ENCRYPT, { k: 'cached', p: b64('warm') });
  // Disable through gateway B (the replica): process A hears nothing of it but Redis.
  expect((await viaB.ok(`mutation { disableKmsKey(identity: "cached") { status } }`)).disableKmsKey.status).toBe('DISABLED');
  for (const via of [viaA, viaB]) {
    const r = await via.gql(ENCRYPT, { k: 'cached', p: b64('x') });
    expect({ status: r.status, ext: r.body.errors?.[0]?.extensions, data: r.body.data }).toEqual({
      status: 400, ext: expect.objectContaining({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' }), data: null,
    });
  }
  expect((await viaA.ok(`mutation { enableKmsKey(identity: "cached") { status } }`)).enableKmsKey.status).toBe('ACTIVE');
  await viaB.ok(ENCRYPT, { k: 'cached', p: b64('x') });
  await viaA.ok(ENCRYPT, { k: 'cached', p: b64('x') });
});
