import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { testConfig } from '../test/support/env';
import { ApiError } from './errors';
import { KmsClient } from './kmsClient';
import { onBehalfKey, verifyAssertion } from './onBehalfOf';

/** Real sockets only: a capturing KMS stand-in, a silent server, and a port nobody listens on. */
interface Captured {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  /** GraphQL `{ query, variables }` on /graphql; the variables alone on an internal route. */
  body: { query?: string; variables?: Record<string, unknown>; [k: string]: unknown };
}

let captured: Captured[] = [];
let reply: (c: Captured) => { status: number; body: string } = () => ({ status: 200, body: '{"data":{}}' });
const servers: http.Server[] = [];
const silentSockets = new Set<import('node:net').Socket>();
let silentRequests = 0;

function listen(server: http.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  await new Promise((r) => s.close(r));
  return port;
}

let kmsPort = 0;
let silentPort = 0;
let deadPort = 0;
let resetPort = 0;

beforeAll(async () => {
  kmsPort = await listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const c: Captured = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
        captured.push(c);
        const r = reply(c);
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.body);
      });
    }),
  );
  const silent = http.createServer(() => {
    silentRequests++; // never answers
  });
  silent.on('connection', (s) => {
    silentSockets.add(s);
    s.on('close', () => silentSockets.delete(s));
  });
  silentPort = await listen(silent);
  deadPort = await freePort();
  resetPort = await listen(http.createServer((req) => req.socket.destroy())); // connection reset mid-request
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

beforeEach(() => {
  captured = [];
  silentRequests = 0;
});

function clientFor(opts: ConstructorParameters<typeof KmsClient>[1] = {}) {
  const config = testConfig(
    {
      REGIONS: `us-east-1=http://127.0.0.1:${kmsPort}/graphql,eu-west-1=http://127.0.0.1:${deadPort}/graphql,eu-central-1=http://127.0.0.1:${silentPort}/graphql,eu-north-1=http://127.0.0.1:${resetPort}/graphql,ap-southeast-2=`,
      DEFAULT_REGION: 'us-east-1',
      SUBGRAPH_TIMEOUT_MS: '300',
    },
    'kmsclient',
  );
  const client = new KmsClient(config, opts);
  clients.push(client);
  return { client, config };
}
const clients: KmsClient[] = [];
afterAll(() => clients.forEach((c) => c.close()));

const caller = { tokenId: 'tok123', project: 'acme' };
const PLAINTEXT_B64 = Buffer.from('hunter2-super-secret').toString('base64');

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}

test('encrypt sends an assertion for the caller and this one operation (never the credential itself), the request id and the EncryptInput', async () => {
  const { client, config } = clientFor();
  reply = () => ({ status: 200, body: JSON.stringify({ data: { encrypt: { keyIdentity: 'k1', keyVersion: 3, ciphertext: 'kms:v3:AAAA' } } }) });
  const out = await client.encrypt({
    region: 'us-east-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: 'YWFk', caller, requestId: 'req-42',
  });
  expect(out).toEqual({ ciphertext: 'kms:v3:AAAA', keyVersion: 3 });
  expect(captured).toHaveLength(1);
  const c = captured[0];
  expect(c.method).toBe('POST');
  // encrypt takes the KMS's lean internal route: the body is the mutation's variables.
  expect(c.url).toBe('/internal/v1/encrypt');
  expect(c.headers['x-internal-secret']).toBe(config.internalSecret);
  expect(c.headers['x-service-credential']).toBeUndefined();
  expect(c.headers['x-request-id']).toBe('req-42');
  expect(c.headers['content-type']).toBe('application/json');
  const verified = verifyAssertion(onBehalfKey(config.serviceCredential!), c.headers['x-on-behalf-of'] as string, { requestId: 'req-42', operation: 'encrypt' });
  expect(verified).toMatchObject({ ok: true, assertion: { tokenId: 'tok123', project: 'acme', operation: 'encrypt' } });
  expect(c.body).toEqual({ input: { keyIdentity: 'k1', plaintext: PLAINTEXT_B64, associatedData: 'YWFk' } });
});

test('a request id that would break the header is replaced, not sent (and the region is not blamed)', async () => {
  const { client } = clientFor({ breakerOptions: { failureThreshold: 1, resetAfterMs: 60_000 } });
  reply = () => ({ status: 200, body: JSON.stringify({ data: { kmsKey: null } }) });
  expect(await client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'bad\r\nx-evil: 1' })).toBeNull();
  expect(captured[0].headers['x-evil']).toBeUndefined();
  expect(captured[0].headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(client.regionState('us-east-1')).toBe('closed');
});

test('decrypt and getKey map the KMS answers; an absent key is null', async () => {
  const { client } = clientFor();
  reply = (c) =>
    c.url === '/internal/v1/decrypt'
      ? { status: 200, body: JSON.stringify({ data: { decrypt: { keyIdentity: 'k1', keyVersion: 2, plaintext: PLAINTEXT_B64 } } }) }
      : c.body.variables?.identity === 'k1'
        ? { status: 200, body: JSON.stringify({ data: { kmsKey: { identity: 'k1', type: 'AES256_GCM96', purpose: 'ENCRYPT_DECRYPT', status: 'ACTIVE', region: 'us-east-1' } } }) }
        : { status: 200, body: JSON.stringify({ data: { kmsKey: null } }) };
  const d = await client.decrypt({ region: 'us-east-1', keyIdentity: 'k1', ciphertext: 'kms:v2:BBBB', associatedDataB64: 'YWFk', caller, requestId: 'r1' });
  expect(d).toEqual({ plaintextB64: PLAINTEXT_B64, keyVersion: 2 });
  expect(captured[0].url).toBe('/internal/v1/decrypt');
  expect(captured[0].body).toEqual({ input: { keyIdentity: 'k1', ciphertext: 'kms:v2:BBBB', associatedData: 'YWFk' } });
  const k = await client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r2' });
  expect(k).toEqual({ identity: 'k1', type: 'AES256_GCM96', purpose: 'ENCRYPT_DECRYPT', status: 'ACTIVE', region: 'us-east-1' });
  expect(captured[1].url).toBe('/graphql');
  expect(captured[1].body.query).toMatch(/kmsKey\(identity: \$identity\)\s*\{\s*identity type purpose status region\s*\}/);
  expect(await client.getKey({ region: 'us-east-1', identity: 'nope', caller, requestId: 'r3' })).toBeNull();
});

test('a GraphQL error from KMS keeps its code, message and safe extensions only', async () => {
  const { client } = clientFor();
  reply = () => ({
    status: 400,
    body: JSON.stringify({
      data: null,
      errors: [{ message: 'Key k1 is DISABLED', extensions: { code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED', stacktrace: ['at x'], internal: 'y' } }],
    }),
  });
  const e = await failure(client.encrypt({ region: 'us-east-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: '', caller, requestId: 'r' }));
  expect(e.code).toBe('KMS_KEY_NOT_ACTIVE');
  expect(e.message).toBe('Key k1 is DISABLED');
  expect(e.extensions).toEqual({ code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' });

  reply = () => ({ status: 403, body: JSON.stringify({ errors: [{ message: 'off', extensions: { code: 'FEATURE_DISABLED', feature: 'kms' } }] }) });
  const f = await failure(client.encrypt({ region: 'us-east-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: '', caller, requestId: 'r' }));
  expect(f.extensions).toEqual({ code: 'FEATURE_DISABLED', feature: 'kms' });

  reply = () => ({ status: 500, body: JSON.stringify({ errors: [{ message: 'boom at /src/x.ts', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }) });
  const g = await failure(client.encrypt({ region: 'us-east-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: '', caller, requestId: 'r' }));
  expect(g.code).toBe('INTERNAL_SERVER_ERROR');
  expect(g.message).toBe('Internal server error');
});

test('a region without a KMS endpoint is REGION_UNAVAILABLE without any network call', async () => {
  const { client } = clientFor();
  const e = await failure(client.getKey({ region: 'ap-southeast-2', identity: 'k1', caller, requestId: 'r' }));
  expect(e.code).toBe('REGION_UNAVAILABLE');
  expect(e.extensions.region).toBe('ap-southeast-2');
  expect(captured).toHaveLength(0);
  const unknown = await failure(client.getKey({ region: 'xx-nowhere-9', identity: 'k1', caller, requestId: 'r' }));
  expect(unknown.code).toBe('REGION_UNAVAILABLE');
});

test('connection refused fails fast with REGION_UNAVAILABLE and no secret in the error', async () => {
  const { client } = clientFor();
  const t0 = Date.now();
  const e = await failure(client.encrypt({ region: 'eu-west-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: 'YWFk', caller, requestId: 'r' }));
  expect(Date.now() - t0).toBeLessThan(250);
  expect(e.code).toBe('REGION_UNAVAILABLE');
  expect(e.extensions.region).toBe('eu-west-1');
  expect(typeof e.extensions.retryAfter).toBe('number');
  expect(JSON.stringify({ m: e.message, x: e.extensions })).not.toContain(PLAINTEXT_B64);
});

test('a connection reset mid-request is REGION_UNAVAILABLE', async () => {
  const { client } = clientFor();
  const e = await failure(client.encrypt({ region: 'eu-north-1', keyIdentity: 'k1', plaintextB64: PLAINTEXT_B64, associatedDataB64: 'YWFk', caller, requestId: 'r' }));
  expect(e.code).toBe('REGION_UNAVAILABLE');
  expect(e.extensions.region).toBe('eu-north-1');
});

test('a KMS that never answers times out within the limit', async () => {
  const { client } = clientFor({ timeoutMs: 200 });
  const t0 = Date.now();
  const e = await failure(client.decrypt({ region: 'eu-central-1', keyIdentity: 'k1', ciphertext: 'kms:v1:SECRETCT', associatedDataB64: 'YWFk', caller, requestId: 'r' }));
  const took = Date.now() - t0;
  expect(e.code).toBe('REGION_UNAVAILABLE');
  expect(e.extensions.region).toBe('eu-central-1');
  expect(took).toBeGreaterThanOrEqual(190);
  expect(took).toBeLessThan(1000);
  expect(silentRequests).toBe(1);
  expect(JSON.stringify({ m: e.message, x: e.extensions })).not.toContain('SECRETCT');
});

test('the circuit opens after repeated failures (no more requests); a failed trial re-opens it', async () => {
  let now = 0;
  const { client } = clientFor({ timeoutMs: 100, breakerOptions: { failureThreshold: 2, resetAfterMs: 10_000, now: () => now } });
  const call = () => client.getKey({ region: 'eu-central-1', identity: 'k1', caller, requestId: 'r' });
  await failure(call());
  await failure(call());
  expect(silentRequests).toBe(2);
  expect(client.regionState('eu-central-1')).toBe('open');
  const t0 = Date.now();
  const open = await failure(call());
  expect(Date.now() - t0).toBeLessThan(50);
  expect(open.code).toBe('REGION_UNAVAILABLE');
  expect(open.extensions.retryAfter).toBe(10);
  expect(silentRequests).toBe(2); // the open circuit sent nothing
  // Other regions are unaffected by this region's breaker.
  reply = () => ({ status: 200, body: JSON.stringify({ data: { kmsKey: null } }) });
  expect(await client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r' })).toBeNull();
  // After the reset window one trial goes out; it fails and the circuit opens again.
  now += 10_000;
  await failure(call());
  expect(silentRequests).toBe(3);
  expect(client.regionState('eu-central-1')).toBe('open');
});

test('a half-open circuit closes again when the trial call succeeds', async () => {
  let now = 0;
  const { client } = clientFor({ breakerOptions: { failureThreshold: 1, resetAfterMs: 1000, now: () => now } });
  reply = () => ({ status: 502, body: '<html>bad gateway</html>' });
  const e = await failure(client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r' }));
  expect(e.code).toBe('REGION_UNAVAILABLE');
  expect(client.regionState('us-east-1')).toBe('open');
  now += 1000;
  reply = () => ({ status: 200, body: JSON.stringify({ data: { kmsKey: null } }) });
  expect(await client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r' })).toBeNull();
  expect(client.regionState('us-east-1')).toBe('closed');
});

test('a deadline caps the call: what is left of it, and nothing left → REGION_UNAVAILABLE without a request', async () => {
  const { client } = clientFor({ timeoutMs: 5000, breakerOptions: { failureThreshold: 1, resetAfterMs: 60_000 } });
  reply = () => ({ status: 200, body: JSON.stringify({ data: { kmsKey: null } }) });
  const spent = await failure(client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r', deadline: Date.now() - 1 }));
  expect(spent.code).toBe('REGION_UNAVAILABLE');
  expect(spent.extensions.region).toBe('us-east-1');
  expect(captured).toHaveLength(0);

  // A hanging region gets only what is left of the operation's budget (not the client's 5 s) …
  const started = Date.now();
  const cut = await failure(client.getKey({ region: 'eu-central-1', identity: 'k1', caller, requestId: 'r', deadline: Date.now() + 150 }));
  expect(cut.code).toBe('REGION_UNAVAILABLE');
  expect(Date.now() - started).toBeLessThan(1000);
  expect(silentRequests).toBe(1);
  // … and a call cut short by the budget does not open the region's circuit.
  expect(client.regionState('eu-central-1')).toBe('closed');
  // Time left: the call goes out as usual.
  expect(await client.getKey({ region: 'us-east-1', identity: 'k1', caller, requestId: 'r', deadline: Date.now() + 1000 })).toBeNull();
  expect(captured).toHaveLength(1);
});
