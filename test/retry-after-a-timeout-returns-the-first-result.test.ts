import { createClient } from '../client/src';
import { SlowAnswers } from './support/slowAnswers';
import { startStack, type Stack } from './support/stack';

/**
 * A 503 from the gateway does not say the change did not happen: the subgraph may have committed
 * in time while its answer reached the gateway too late. Here that is forced: a proxy in front of
 * the us-east-1 kms and one in front of secrets forward each request at once (the work commits
 * well within the subgraph's deadline) but hold the answer back past the gateway's wait (1 s).
 * The caller gets 503; a retry with the same idempotencyKey gets the first result, and exactly
 * one key, secret or version exists. The same key with another input is IDEMPOTENCY_CONFLICT.
 */
let stack: Stack;
let kmsProxy: SlowAnswers;
let secretsProxy: SlowAnswers;
const HOLD_MS = 1500;

/** Moves a subgraph to a free port and puts a SlowAnswers proxy on the port the others know. */
async function behindProxy(name: string): Promise<SlowAnswers> {
  const port = stack.running.get(name)!.port;
  await stack.stopService(name);
  const backend = await stack.restartService(name, 0);
  const proxy = await new SlowAnswers({ host: '127.0.0.1', port: backend.port }).start(port);
  return proxy;
}

beforeAll(async () => {
  stack = await startStack({
    label: 'idem-retry',
    kms: true,
    secrets: true,
    serviceEnv: { gateway: { SUBGRAPH_TIMEOUT_MS: '1000', KEYGEN_TIMEOUT_MS: '1000' } },
    // One forced timeout per region must not open the gateway's breaker for the retry.
    gatewayOptions: { breaker: { failureThreshold: 1_000_000, resetAfterMs: 60_000 } },
  });
  kmsProxy = await behindProxy('kms-us-east-1');
  secretsProxy = await behindProxy('secrets');
  await stack.ok(`mutation { createKmsKey(input: { identity: "sk", type: AES256_GCM96 }) { identity } }`, {}, { region: 'us-east-1' });
}, 60_000);

afterAll(async () => {
  await kmsProxy?.stop();
  await secretsProxy?.stop();
  await stack?.stop();
});

/** Sends `send` with the proxy holding its answer back: the caller is answered 503 after the backend did the work. */
async function timedOut(proxy: SlowAnswers, send: () => Promise<{ status: number }>): Promise<void> {
  const before = proxy.answered;
  proxy.delayMs = HOLD_MS;
  proxy.remaining = 1;
  try {
    expect((await send()).status).toBe(503);
    await proxy.answeredAtLeast(before + 1);
  } finally {
    proxy.delayMs = 0;
  }
}

const CREATE_KEY = `mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity type createdAt } }`;

test('createKmsKey: answered 503 after it committed; the retry with the same idempotencyKey returns that key', async () => {
  const input = { identity: 'idem-key', type: 'ED25519', idempotencyKey: 'create-key:1' };
  await timedOut(kmsProxy, () => stack.gql(CREATE_KEY, { i: input }, { region: 'us-east-1' }));

  const retry = await stack.gql(CREATE_KEY, { i: input }, { region: 'us-east-1' });
  expect(retry.status).toBe(200);
  expect(retry.body.data.createKmsKey).toMatchObject({ identity: 'idem-key', type: 'ED25519' });
  // The first attempt made it, once: one create event, one key with one version.
  const audit = await stack.ok(`{ auditEvents(filter: { resource: "kms-key:us-east-1/idem-key" }) { nodes { action outcome } } }`);
  expect(audit.auditEvents.nodes).toEqual([{ action: 'kms.create_key', outcome: 'SUCCESS' }]);
  const key = await stack.ok(`{ kmsKey(identity: "idem-key") { createdAt latestVersion } }`, {}, { region: 'us-east-1' });
  expect(key.kmsKey).toEqual({ createdAt: retry.body.data.createKmsKey.createdAt, latestVersion: 1 });
  // Again: the same answer. Without the key it is a plain second create.
  expect((await stack.ok(CREATE_KEY, { i: input }, { region: 'us-east-1' })).createKmsKey).toEqual(retry.body.data.createKmsKey);
  const plain = await stack.gql(CREATE_KEY, { i: { identity: 'idem-key', type: 'ED25519' } }, { region: 'us-east-1' });
  expect(plain.body.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');

  // Same key, another input: 409, nothing created.
  const other = await stack.gql(CREATE_KEY, { i: { ...input, identity: 'idem-key-2' } }, { region: 'us-east-1' });
  expect({ status: other.status, code: other.body.errors?.[0].extensions?.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  expect((await stack.ok(`{ kmsKey(identity: "idem-key-2") { identity } }`, {}, { region: 'us-east-1' })).kmsKey).toBeNull();
  // The key is scoped per region: in eu-west-1 the same idempotencyKey is a new create.
  const eu = await stack.gql(CREATE_KEY, { i: input }, { region: 'eu-west-1' });
  expect(eu.status).toBe(200);
});

const CREATE_SECRET = `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path currentVersion createdAt } }`;
const VERSIONS = `query($p: String!) { secret(path: $p) { currentVersion versions(first: 100) { nodes { version } } } }`;

test('createSecret: answered 503 after it committed; the retry returns the secret, and there is one', async () => {
  const input = { path: 'idem/db', kmsKeyIdentity: 'sk', region: 'us-east-1', value: 'first', idempotencyKey: 'create-secret-1' };
  await timedOut(secretsProxy, () => stack.gql(CREATE_SECRET, { i: input }));

  const retry = await stack.gql(CREATE_SECRET, { i: input });
  expect(retry.status).toBe(200);
  expect(retry.body.data.createSecret).toMatchObject({ path: 'idem/db', currentVersion: 1 });
  const listed = await stack.ok(`{ secrets(first: 100) { nodes { path createdAt } } }`);
  expect(listed.secrets.nodes).toEqual([{ path: 'idem/db', createdAt: retry.body.data.createSecret.createdAt }]);
  expect((await stack.ok(VERSIONS, { p: 'idem/db' })).secret.versions.nodes).toEqual([{ version: 1 }]);
  expect((await stack.ok(`{ getSecretValue(path: "idem/db") { value } }`)).getSecretValue.value).toBe('first');

  const other = await stack.gql(CREATE_SECRET, { i: { ...input, value: 'another' } });
  expect({ status: other.status, code: other.body.errors?.[0].extensions?.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  expect((await stack.ok(`{ getSecretValue(path: "idem/db") { value version } }`)).getSecretValue).toEqual({ value: 'first', version: 1 });
});

const PUT = `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version createdAt } }`;

test('putSecretValue: answered 503 after it committed; the retry returns that version, and no second one is written', async () => {
  await stack.ok(CREATE_SECRET, { i: { path: 'idem/put', kmsKeyIdentity: 'sk', region: 'us-east-1', value: 'v1' } });
  const input = { path: 'idem/put', value: 'v2', idempotencyKey: 'put:1' };
  await timedOut(secretsProxy, () => stack.gql(PUT, { i: input }));

  const retry = await stack.gql(PUT, { i: input });
  expect(retry.status).toBe(200);
  expect(retry.body.data.putSecretValue.version).toBe(2);
  expect((await stack.ok(PUT, { i: input })).putSecretValue).toEqual(retry.body.data.putSecretValue);
  const after = await stack.ok(VERSIONS, { p: 'idem/put' });
  expect(after.secret).toEqual({ currentVersion: 2, versions: { nodes: [{ version: 2 }, { version: 1 }] } });

  const other = await stack.gql(PUT, { i: { ...input, value: 'v3' } });
  expect({ status: other.status, code: other.body.errors?.[0].extensions?.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  expect((await stack.ok(VERSIONS, { p: 'idem/put' })).secret.currentVersion).toBe(2);
});

test('a retry that arrives while the first attempt still runs waits for it and gets the same version', async () => {
  await stack.ok(CREATE_SECRET, { i: { path: 'idem/race', kmsKeyIdentity: 'sk', region: 'us-east-1', value: 'v1' } });
  const input = { path: 'idem/race', value: 'v2', idempotencyKey: 'race:1' };
  // The first attempt's encrypt answers late but within its budget: it commits, slowly.
  const before = kmsProxy.received;
  kmsProxy.delayMs = 300;
  kmsProxy.remaining = 1;
  const first = stack.gql(PUT, { i: input });
  await kmsProxy.receivedAtLeast(before + 1); // its marker is set: it is encrypting
  const second = await stack.gql(PUT, { i: input });
  const firstDone = await first;
  kmsProxy.delayMs = 0;
  expect([firstDone.status, second.status]).toEqual([200, 200]);
  expect(second.body.data.putSecretValue).toEqual(firstDone.body.data.putSecretValue);
  expect(kmsProxy.received).toBe(before + 1); // the retry never encrypted
  expect((await stack.ok(VERSIONS, { p: 'idem/race' })).secret.versions.nodes).toEqual([{ version: 2 }, { version: 1 }]);
});

test('an idempotencyKey outside 1–128 of [A-Za-z0-9_.:-] is BAD_USER_INPUT', async () => {
  for (const bad of ['', 'has space', 'x'.repeat(129), 'a/b']) {
    const r = await stack.gql(PUT, { i: { path: 'idem/put', value: 'v9', idempotencyKey: bad } });
    expect({ bad, code: r.body.errors?.[0].extensions?.code }).toEqual({ bad, code: 'BAD_USER_INPUT' });
  }
  expect((await stack.ok(VERSIONS, { p: 'idem/put' })).secret.currentVersion).toBe(2);
});

test('the client retries a mutation carrying an idempotencyKey on 503: one call, one version', async () => {
  await stack.ok(CREATE_SECRET, { i: { path: 'idem/client', kmsKeyIdentity: 'sk', region: 'us-east-1', value: 'v1' } });
  const client = createClient({ url: stack.gatewayUrl, token: stack.rootToken, maxRetryWaitMs: 5000 });
  // The first encrypt's answer comes after the secrets service's KMS budget: 503 REGION_UNAVAILABLE
  // with Retry-After, nothing written; the client waits it out and sends the same call again.
  const before = kmsProxy.answered;
  kmsProxy.delayMs = HOLD_MS;
  kmsProxy.remaining = 1;
  const put = await client.putSecretValue({ input: { path: 'idem/client', value: 'v2', idempotencyKey: 'client-put-1' } });
  kmsProxy.delayMs = 0;
  expect(put.version).toBe(2);
  expect(kmsProxy.answered).toBe(before + 2); // two attempts reached the KMS
  expect((await stack.ok(VERSIONS, { p: 'idem/client' })).secret.versions.nodes).toEqual([{ version: 2 }, { version: 1 }]);
});
