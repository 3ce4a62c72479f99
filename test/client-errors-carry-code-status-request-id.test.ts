import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, SecretsKmsError, type FetchLike, type GraphQLErrorPayload } from '../client/src';
import { startStack, type Stack } from './support/stack';

/**
 * Every failure of a client call is a SecretsKmsError with API.md's code, the HTTP status, the
 * request id, Retry-After and the extensions; a short 503 is retried for queries only.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'client-errors', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createKmsKey(input: { identity: "eu-key", type: AES256_GCM96 }) { identity } }`, {}, { region: 'eu-west-1' });
  await stack.ok(`mutation { createSecret(input: { path: "eu/s", kmsKeyIdentity: "eu-key", region: "eu-west-1", value: "in eu" }) { path } }`);
});
afterAll(async () => stack?.stop());

/** Rejection of `p`, which must be a SecretsKmsError. */
async function failure(p: Promise<unknown>): Promise<SecretsKmsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SecretsKmsError);
  return e as SecretsKmsError;
}

/** The global fetch, counting the requests that go out. */
function countingFetch(before?: (n: number) => Promise<void>): { fetch: FetchLike; count: () => number } {
  let n = 0;
  return {
    fetch: async (input, init) => {
      n++;
      await before?.(n);
      return fetch(input, init);
    },
    count: () => n,
  };
}

test('404: code, status, the request id sent, message naming code and request id', async () => {
  const client = createClient({ url: stack.gatewayUrl, token: stack.rootToken, requestId: 'client-test-404' });
  const e = await failure(client.getSecretValue({ path: 'no/such' }));
  expect(e).toMatchObject({ name: 'SecretsKmsError', code: 'NOT_FOUND', status: 404, requestId: 'client-test-404', retryAfter: undefined });
  expect(e.message).toMatch(/^NOT_FOUND: .+ \(request id client-test-404\)$/);
  expect(e.extensions.code).toBe('NOT_FOUND');
  expect(e.errors).toHaveLength(1);
  expect(e).toBeInstanceOf(Error);
});

test('without a request id of its own, the error carries the one the gateway generated (x-request-id)', async () => {
  let seen: string | null = null;
  const client = createClient({
    url: stack.gatewayUrl,
    token: stack.rootToken,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      seen = res.headers.get('x-request-id');
      return res;
    },
  });
  const e = await failure(client.kmsKeys({ first: -1 }));
  expect(seen).toBeTruthy();
  expect(e).toMatchObject({ code: 'BAD_USER_INPUT', status: 400, requestId: seen });
});

test('400 BAD_USER_INPUT and GRAPHQL_VALIDATION_FAILED, 401, 403, 409 (ALREADY_EXISTS, VERSION_CONFLICT, KEY_IN_USE)', async () => {
  const root = createClient({ url: stack.gatewayUrl, token: stack.rootToken });
  expect(await failure(root.createKmsKey({ input: { identity: 'Not Valid!', type: 'AES256_GCM96' } }))).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
  expect(await failure(root.request('{ noSuchField }'))).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', status: 400 });

  const nobody = createClient({ url: stack.gatewayUrl, token: 'not-a-token' });
  expect(await failure(nobody.viewer())).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });

  const reader = createClient({ url: stack.gatewayUrl, token: (await stack.token(['secrets:read'])).token });
  expect(await failure(reader.createKmsKey({ input: { identity: 'x', type: 'AES256_GCM96' } }))).toMatchObject({ code: 'FORBIDDEN', status: 403 });

  const dup = await failure(root.createKmsKey({ input: { identity: 'k', type: 'AES256_GCM96' } }));
  expect(dup).toMatchObject({ code: 'ALREADY_EXISTS', status: 409 });
  expect(dup.message).toMatch(/^ALREADY_EXISTS: /);
  const stale = await failure(root.putSecretValue({ input: { path: 'eu/s', value: 'x', expectedVersion: 7 } }));
  expect(stale).toMatchObject({ code: 'VERSION_CONFLICT', status: 409 });

  await root.encrypt({ input: { keyIdentity: 'k', plaintext: 'used now' } });
  const inUse = await failure(root.disableKmsKey({ identity: 'k', ifUnusedSinceDays: 30 }));
  expect(inUse).toMatchObject({ code: 'KEY_IN_USE', status: 409, extensions: { lastUsedAt: expect.any(String) } });
  expect((await root.kmsKey({ identity: 'k' }))?.status).toBe('ACTIVE');
});

test('503 in a region without KMS: REGION_UNAVAILABLE, retryAfter, extensions.region; a long Retry-After is not waited out', async () => {
  const counter = countingFetch();
  const client = createClient({ url: stack.gatewayUrl, token: stack.rootToken, fetch: counter.fetch });
  const create = await failure(client.createSecret({ input: { path: 'ap/s', kmsKeyIdentity: 'k', region: 'ap-southeast-2', value: 'x' } }));
  expect(create).toMatchObject({ code: 'REGION_UNAVAILABLE', status: 503, extensions: { region: 'ap-southeast-2' } });
  expect(create.retryAfter).toBeGreaterThan(2);
  expect(counter.count()).toBe(1);

  // Its Retry-After is above maxRetryWaitMs (2 s): the query fails at once instead of waiting.
  const list = await failure(client.kmsKeys({}, { region: 'ap-southeast-2' }));
  expect(list).toMatchObject({ code: 'REGION_UNAVAILABLE', status: 503 });
  expect(counter.count()).toBe(2);
});

// First: the failures of the next test open the secrets service's breaker for eu-west-1.
test('a retried reveal succeeds once the region is back between attempts', async () => {
  await stack.stopKms('eu-west-1');
  let restarted = false;
  const counter = countingFetch(async (n) => {
    // The second attempt goes out only after the first 503: bring the region back in between.
    if (n === 2) {
      await stack.restartKms('eu-west-1');
      restarted = true;
    }
  });
  try {
    const client = createClient({ url: stack.gatewayUrl, token: stack.rootToken, fetch: counter.fetch, retries: 2 });
    expect(await client.getSecretValue({ path: 'eu/s' })).toMatchObject({ value: 'in eu', version: 1 });
    expect(counter.count()).toBe(2);
  } finally {
    if (!restarted) await stack.restartKms('eu-west-1');
  }
});

test("a region's KMS down: the reveal (a query) is retried `retries` times, a put (a mutation) never; partial data reaches onPartialErrors", async () => {
  await stack.stopKms('eu-west-1');
  try {
    const counter = countingFetch();
    const partial: GraphQLErrorPayload[][] = [];
    const client = createClient({ url: stack.gatewayUrl, token: stack.rootToken, fetch: counter.fetch, onPartialErrors: (errors) => partial.push(errors) });

    const reveal = await failure(client.getSecretValue({ path: 'eu/s' }));
    expect(reveal).toMatchObject({ code: 'REGION_UNAVAILABLE', status: 503, extensions: { region: 'eu-west-1' } });
    expect(reveal.retryAfter).toBeLessThanOrEqual(2);
    expect(counter.count()).toBe(3);

    const once = countingFetch();
    const noRetries = createClient({ url: stack.gatewayUrl, token: stack.rootToken, fetch: once.fetch, retries: 0 });
    await failure(noRetries.getSecretValue({ path: 'eu/s' }));
    expect(once.count()).toBe(1);

    const before = counter.count();
    expect(await failure(client.putSecretValue({ input: { path: 'eu/s', value: 'y' } }))).toMatchObject({ code: 'REGION_UNAVAILABLE', status: 503 });
    expect(counter.count() - before).toBe(1);

    // Metadata still answers; the key, resolved in the down region, is null with its error.
    const meta = await client.secret({ path: 'eu/s' });
    expect(meta).toMatchObject({ path: 'eu/s', region: 'eu-west-1', kmsKey: null });
    expect(partial).toHaveLength(1);
    expect(partial[0][0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
  } finally {
    await stack.restartKms('eu-west-1');
  }
});

test('no HTTP response: NETWORK_ERROR without a status; a non-GraphQL body: BAD_RESPONSE with its status', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const down = createClient({ url: `http://127.0.0.1:${closed}/graphql`, token: 't', requestId: 'client-test-net' });
  const net = await failure(down.viewer());
  expect(net).toMatchObject({ code: 'NETWORK_ERROR', status: undefined, requestId: 'client-test-net' });
  expect(net.message).toMatch(/^NETWORK_ERROR: /);

  const proxy: Server = createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>bad gateway</html>');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const behind = createClient({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`, token: 't' });
    expect(await failure(behind.viewer())).toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
});
