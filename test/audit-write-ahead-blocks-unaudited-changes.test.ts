import { startStack, type Stack } from './support/stack';

/**
 * A state change happens only if its audit event can be written: with the project's audit
 * stream unwritable, every mutation family answers 503 STORE_UNAVAILABLE and changes nothing.
 */
let stack: Stack;
let token: string;
const PROJECT = 'wal-proj';
beforeAll(async () => {
  stack = await startStack({ label: 'wal', kms: true, secrets: true });
  token = (await stack.token(['admin', 'kms:admin', 'kms:read', 'secrets:write', 'secrets:read', 'secrets:read_value', 'audit:read'], { project: PROJECT })).token;
  await stack.ok('mutation { createKmsKey(input: { identity: "wal-key", type: AES256_GCM96 }) { identity } }', {}, { token });
  await stack.ok('mutation { createSecret(input: { path: "wal/db", kmsKeyIdentity: "wal-key", value: "v1" }) { path } }', {}, { token });
});
afterAll(() => stack.stop());

async function withBrokenAuditStream(fn: () => Promise<void>) {
  const redis = stack.services.get('platform')!.redis;
  const key = `audit:{${PROJECT}}`;
  await redis.rename(key, `${key}:saved`);
  await redis.set(key, 'not a stream');
  try {
    await fn();
  } finally {
    await redis.del(key);
    await redis.rename(`${key}:saved`, key);
  }
}

function expectRefused(r: { status: number; body: any }) {
  expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'STORE_UNAVAILABLE' });
}

it('platform: no token is created, no token revoked, no gate flipped', async () => {
  const victim = await stack.token(['audit:read'], { project: PROJECT, as: token });
  const before = (await stack.ok('{ apiTokens { id revoked } }', {}, { token })).apiTokens;
  await withBrokenAuditStream(async () => {
    expectRefused(await stack.gql('mutation { createApiToken(input: { name: "x", scopes: ["audit:read"] }) { token } }', {}, { token }));
    expectRefused(await stack.gql('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: victim.id }, { token }));
    expectRefused(await stack.gql('mutation { setFeatureGate(feature: "kms", enabled: false) { kms } }', {}, { token }));
  });
  expect((await stack.ok('{ apiTokens { id revoked } }', {}, { token })).apiTokens).toEqual(before);
  expect((await stack.ok('{ featureGates { kms } }', {}, { token })).featureGates.kms).toBe(true);
  expect((await stack.gql('{ viewer { id } }', {}, { token: victim.token })).status).toBe(200);
});

it('kms: the key is not disabled, rotated or scheduled for deletion', async () => {
  await withBrokenAuditStream(async () => {
    expectRefused(await stack.gql('mutation { disableKmsKey(identity: "wal-key") { status } }', {}, { token }));
    expectRefused(await stack.gql('mutation { rotateKmsKey(identity: "wal-key") { latestVersion } }', {}, { token }));
    expectRefused(await stack.gql('mutation { scheduleKmsKeyDeletion(identity: "wal-key") { status } }', {}, { token }));
  });
  const key = (await stack.ok('{ kmsKey(identity: "wal-key") { status latestVersion deletionDate } }', {}, { token })).kmsKey;
  expect(key).toEqual({ status: 'ACTIVE', latestVersion: 1, deletionDate: null });
});

it('secrets: no version is written, nothing updated or deleted', async () => {
  await withBrokenAuditStream(async () => {
    expectRefused(await stack.gql('mutation { putSecretValue(input: { path: "wal/db", value: "v2" }) { version } }', {}, { token }));
    expectRefused(await stack.gql('mutation { updateSecret(input: { path: "wal/db", description: "changed" }) { path } }', {}, { token }));
    expectRefused(await stack.gql('mutation { deleteSecret(path: "wal/db") }', {}, { token }));
    expectRefused(await stack.gql('mutation { createSecret(input: { path: "wal/new", kmsKeyIdentity: "wal-key" }) { path } }', {}, { token }));
  });
  const s = (await stack.ok('{ secret(path: "wal/db") { currentVersion description } n: secret(path: "wal/new") { path } }', {}, { token }));
  expect(s).toEqual({ secret: { currentVersion: 1, description: null }, n: null });
  expect((await stack.ok('{ getSecretValue(path: "wal/db") { value } }', {}, { token })).getSecretValue.value).toBe('v1');
});

it('a change whose final event could not be written is published later as OUTCOME_UNKNOWN', async () => {
  const audit = stack.services.get('platform')!.audit;
  const intent = await audit.begin({ action: 'kms.disable_key', outcome: 'SUCCESS', actor: 'token:x', project: PROJECT, resource: 'kms-key:us-east-1/wal-key', requestId: 'wal-stale-1' });
  expect(intent.id).toBeTruthy();
  expect(await audit.recoverStale(PROJECT, 60_000)).toBe(0); // still fresh: maybe in flight
  expect(await audit.recoverStale(PROJECT, 0)).toBe(1);
  const ev = await stack.ok('{ auditEvents(filter: { requestId: "wal-stale-1" }) { nodes { action outcome errorCode } } }', {}, { token });
  expect(ev.auditEvents.nodes).toEqual([{ action: 'kms.disable_key', outcome: 'FAILURE', errorCode: 'OUTCOME_UNKNOWN' }]);
});

it('an intent is published exactly once, however many readers recover it at the same time', async () => {
  const audit = stack.services.get('platform')!.audit;
  const intent = await audit.begin({ action: 'kms.rotate_key', outcome: 'SUCCESS', actor: 'token:x', project: PROJECT, resource: 'kms-key:us-east-1/wal-key', requestId: 'wal-once-1' });
  const counts = await Promise.all([1, 2, 3, 4].map(() => audit.recoverStale(PROJECT, 0)));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  // A late settle of the same intent adds nothing either.
  expect(await audit.settle(intent, { ...intent.event })).toBeNull();
  const ev = await stack.ok('{ auditEvents(filter: { requestId: "wal-once-1" }) { nodes { outcome errorCode } } }', {}, { token });
  expect(ev.auditEvents.nodes).toEqual([{ outcome: 'FAILURE', errorCode: 'OUTCOME_UNKNOWN' }]);
});
