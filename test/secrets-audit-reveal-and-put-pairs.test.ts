import { startStack, type Stack } from './support/stack';

/**
 * Seed, "Underlying crypto operations": one reveal writes secrets.get_value AND kms.decrypt with
 * the same requestId, the kms.decrypt with via "secrets" and the caller as actor; a put writes
 * secrets.put_value and kms.encrypt; a failed reveal writes secrets.get_value FAILURE with its
 * errorCode. Values (plaintext or ciphertext) never appear in events. Audit is fail-closed.
 */
let stack: Stack;
let caller: { token: string; id: string };
beforeAll(async () => {
  stack = await startStack({ label: 'sec-audit', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "audited", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "audit/s", kmsKeyIdentity: "audited" }) { path } }`);
  // No kms:* scope: the secrets service's KMS calls are authorised on the caller's behalf.
  caller = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write']);
});
afterAll(async () => stack?.stop());

const EVENTS = `query($rid: String!) { auditEvents(filter: { requestId: $rid }, after: null) { nodes { action outcome actor via project region resource requestId errorCode keyVersion } } }`;
async function eventsOf(requestId: string) {
  return (await stack.ok(EVENTS, { rid: requestId })).auditEvents.nodes as any[];
}

test('put writes secrets.put_value and kms.encrypt (same requestId, caller as actor, kms via secrets)', async () => {
  const rid = 'put-audit-0001';
  const r = await stack.gql(`mutation { putSecretValue(input: { path: "audit/s", value: "TOP-SECRET-PUT" }) { version kmsKeyVersion } }`, {}, { token: caller.token, headers: { 'x-request-id': rid } });
  expect(r.body.data.putSecretValue).toEqual({ version: 1, kmsKeyVersion: 1 });
  expect(r.headers.get('x-request-id')).toBe(rid);
  const events = await eventsOf(rid);
  const put = events.find((e) => e.action === 'secrets.put_value');
  const enc = events.find((e) => e.action === 'kms.encrypt');
  expect(put).toMatchObject({ outcome: 'SUCCESS', actor: caller.id, via: null, project: 'default', region: 'us-east-1', resource: 'secret:audit/s', requestId: rid, keyVersion: 1 });
  expect(enc).toMatchObject({ outcome: 'SUCCESS', actor: caller.id, via: 'secrets', project: 'default', region: 'us-east-1', resource: 'kms-key:us-east-1/audited', requestId: rid });
  expect(JSON.stringify(events)).not.toContain('TOP-SECRET-PUT');
});

test('reveal writes secrets.get_value and kms.decrypt with the same requestId; kms.decrypt via "secrets", actor = caller', async () => {
  const rid = 'reveal-audit-0001';
  const r = await stack.gql(`{ getSecretValue(path: "audit/s") { value } }`, {}, { token: caller.token, headers: { 'x-request-id': rid } });
  expect(r.body.data.getSecretValue.value).toBe('TOP-SECRET-PUT');
  const events = await eventsOf(rid);
  expect(events.map((e) => e.action).sort()).toEqual(['kms.decrypt', 'secrets.get_value']);
  const get = events.find((e) => e.action === 'secrets.get_value');
  const dec = events.find((e) => e.action === 'kms.decrypt');
  expect(get).toMatchObject({ outcome: 'SUCCESS', actor: caller.id, via: null, resource: 'secret:audit/s', requestId: rid, region: 'us-east-1', keyVersion: 1 });
  expect(dec).toMatchObject({ outcome: 'SUCCESS', actor: caller.id, via: 'secrets', resource: 'kms-key:us-east-1/audited', requestId: rid });
});

test('failed reveal writes secrets.get_value FAILURE with its errorCode', async () => {
  await stack.ok(`mutation { disableKmsKey(identity: "audited") { status } }`);
  try {
    const rid = 'reveal-fail-0001';
    const r = await stack.gql(`{ getSecretValue(path: "audit/s") { value } }`, {}, { token: caller.token, headers: { 'x-request-id': rid } });
    expect(r.status).toBe(400);
    const get = (await eventsOf(rid)).find((e) => e.action === 'secrets.get_value');
    expect(get).toMatchObject({ outcome: 'FAILURE', errorCode: 'KMS_KEY_NOT_ACTIVE', actor: caller.id, resource: 'secret:audit/s' });
  } finally {
    await stack.ok(`mutation { enableKmsKey(identity: "audited") { status } }`);
  }
  const rid2 = 'reveal-fail-0002';
  const missing = await stack.gql(`{ getSecretValue(path: "audit/none") { value } }`, {}, { token: caller.token, headers: { 'x-request-id': rid2 } });
  expect(missing.status).toBe(404);
  expect((await eventsOf(rid2)).find((e) => e.action === 'secrets.get_value')).toMatchObject({ outcome: 'FAILURE', errorCode: 'NOT_FOUND', resource: 'secret:audit/none' });
});

test('every secrets action is audited with resource secret:<path>', async () => {
  const steps: [string, string][] = [
    ['secrets.create', `mutation { createSecret(input: { path: "audit/all", kmsKeyIdentity: "audited", value: "v1" }) { path } }`],
    ['secrets.update', `mutation { updateSecret(input: { path: "audit/all", description: "d" }) { path } }`],
    ['secrets.delete_versions', `mutation { deleteSecretVersions(path: "audit/all", versions: [1]) { path } }`],
    ['secrets.undelete_versions', `mutation { undeleteSecretVersions(path: "audit/all", versions: [1]) { path } }`],
    ['secrets.destroy_versions', `mutation { destroySecretVersions(path: "audit/all", versions: [1]) { path } }`],
    ['secrets.delete', `mutation { deleteSecret(path: "audit/all") }`],
  ];
  for (const [action, query] of steps) {
    const rid = `all-${action.replace(/\W/g, '-')}`;
    const r = await stack.gql(query, {}, { token: caller.token, headers: { 'x-request-id': rid } });
    expect(r.body.errors).toBeUndefined();
    expect((await eventsOf(rid)).find((e) => e.action === action)).toMatchObject({ outcome: 'SUCCESS', resource: 'secret:audit/all', actor: caller.id });
  }
});

test('no event in the audit stream holds a value or a ciphertext', async () => {
  const all = (await stack.ok(`{ auditEvents(first: 1000, after: null) { nodes { action actor via resource errorCode requestId region } } }`)).auditEvents.nodes;
  expect(all.length).toBeGreaterThan(8);
  const text = JSON.stringify(all);
  expect(text).not.toContain('TOP-SECRET-PUT');
  expect(text).not.toMatch(/kms:v\d+:/);
});

test('fail-closed: when the audit event cannot be written, the value is not returned', async () => {
  // A project whose audit stream is unusable (wrong Redis type): every XADD fails. Both events of
  // a reveal live in that stream, so here the kms.decrypt write fails first (KMS is fail-closed
  // too); either way the caller gets 503 and no value.
  const t = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write', 'kms:admin'], { project: 'auditbroken' });
  await stack.ok(`mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }`, {}, { token: t.token });
  await stack.ok(`mutation { createSecret(input: { path: "fc/s", kmsKeyIdentity: "k", value: "NEVER-LEAKED" }) { path } }`, {}, { token: t.token });
  const redis = stack.services.get('secrets')!.redis;
  await redis.rename('audit:{auditbroken}', 'audit:{auditbroken}:saved');
  await redis.set('audit:{auditbroken}', 'not a stream');
  try {
    const r = await stack.gql(`{ getSecretValue(path: "fc/s") { value } }`, {}, { token: t.token });
    expect(r.status).toBe(503);
    expect(r.body.errors?.[0].extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(JSON.stringify(r.body)).not.toContain('NEVER-LEAKED');
  } finally {
    await redis.del('audit:{auditbroken}');
    await redis.rename('audit:{auditbroken}:saved', 'audit:{auditbroken}');
  }
  expect((await stack.ok(`{ getSecretValue(path: "fc/s") { value } }`, {}, { token: t.token })).getSecretValue.value).toBe('NEVER-LEAKED');
});
