import { startStack, type Stack } from './support/stack';

/**
 * Every state change checks the caller's deadline right before it commits: a request that
 * announces a wait already over (`x-timeout-ms: 1`, straight to the subgraph as the gateway would
 * send it) is answered 503 and writes nothing, and the refusal is in the audit log as a FAILURE.
 * Only the deadline differs from the request that then succeeds.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'past-deadline', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "dk", type: AES256_GCM96, description: "before" }) { identity } }`, {}, { region: 'us-east-1' });
  await stack.ok(`mutation { createSecret(input: { path: "late/put", kmsKeyIdentity: "dk", region: "us-east-1", value: "v1" }) { path } }`, {}, { region: 'us-east-1' });
}, 60_000);
afterAll(() => stack?.stop());

/** Straight to one subgraph, announcing that the caller waits `ms` (as the gateway's transport does). */
function direct(service: string, query: string, ms?: number, region = 'us-east-1') {
  const headers: Record<string, string> = { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET, 'x-region': region };
  if (ms !== undefined) headers['x-timeout-ms'] = String(ms);
  return stack.gql(query, {}, { url: stack.running.get(service)!.url, headers, region });
}

async function refused(service: string, query: string, code: string) {
  const late = await direct(service, query, 1);
  expect({ status: late.status, code: late.body.errors?.[0]?.extensions?.code, data: late.body.data ?? null }).toEqual({ status: 503, code, data: null });
  return late;
}

async function auditOf(resource: string) {
  const r = await stack.ok(`query($r: String!) { auditEvents(filter: { resource: $r }) { nodes { action outcome errorCode } } }`, { r: resource });
  return r.auditEvents.nodes as { action: string; outcome: string; errorCode: string | null }[];
}

test('secrets: putSecretValue past its deadline writes no version; createSecret writes no secret', async () => {
  await refused('secrets', `mutation { putSecretValue(input: { path: "late/put", value: "v2" }) { version } }`, 'SERVICE_UNAVAILABLE');
  await refused('secrets', `mutation { createSecret(input: { path: "late/new", kmsKeyIdentity: "dk", region: "us-east-1", value: "v1" }) { path } }`, 'SERVICE_UNAVAILABLE');
  await refused('secrets', `mutation { updateSecret(input: { path: "late/put", description: "changed" }) { path } }`, 'SERVICE_UNAVAILABLE');
  await refused('secrets', `mutation { destroySecretVersions(path: "late/put", versions: [1]) { path } }`, 'SERVICE_UNAVAILABLE');
  await refused('secrets', `mutation { deleteSecret(path: "late/put") }`, 'SERVICE_UNAVAILABLE');

  const after = await stack.ok(`{ secret(path: "late/put") { currentVersion description versions(first: 10) { nodes { version state } } } }`);
  expect(after.secret).toEqual({ currentVersion: 1, description: null, versions: { nodes: [{ version: 1, state: 'ENABLED' }] } });
  expect((await stack.ok(`{ secret(path: "late/new") { path } }`)).secret).toBeNull();
  expect((await stack.ok(`{ getSecretValue(path: "late/put") { value } }`)).getSecretValue.value).toBe('v1');
  expect((await auditOf('secret:late/put')).filter((e) => e.outcome === 'FAILURE')).toEqual(
    ['secrets.put_value', 'secrets.update', 'secrets.destroy_versions', 'secrets.delete'].map((action) => ({ action, outcome: 'FAILURE', errorCode: 'SERVICE_UNAVAILABLE' })).reverse(),
  );
  expect(await auditOf('secret:late/new')).toEqual([{ action: 'secrets.create', outcome: 'FAILURE', errorCode: 'SERVICE_UNAVAILABLE' }]);

  // With time left the same put goes through: the deadline alone made the difference.
  const onTime = await direct('secrets', `mutation { putSecretValue(input: { path: "late/put", value: "v2" }) { version } }`, 5000);
  expect(onTime.body.data.putSecretValue.version).toBe(2);
});

test('kms: update, disable and scheduled deletion past their deadline change nothing', async () => {
  await refused('kms-us-east-1', `mutation { updateKmsKey(input: { identity: "dk", description: "after" }) { description } }`, 'REGION_UNAVAILABLE');
  await refused('kms-us-east-1', `mutation { disableKmsKey(identity: "dk") { status } }`, 'REGION_UNAVAILABLE');
  await refused('kms-us-east-1', `mutation { scheduleKmsKeyDeletion(identity: "dk", pendingWindowDays: 7) { status } }`, 'REGION_UNAVAILABLE');
  const key = await stack.ok(`{ kmsKey(identity: "dk") { description status } }`, {}, { region: 'us-east-1' });
  expect(key.kmsKey).toEqual({ description: 'before', status: 'ACTIVE' });
  expect((await auditOf('kms-key:us-east-1/dk')).filter((e) => e.outcome === 'FAILURE')).toEqual(
    ['kms.update_key', 'kms.disable_key', 'kms.schedule_deletion'].map((action) => ({ action, outcome: 'FAILURE', errorCode: 'REGION_UNAVAILABLE' })).reverse(),
  );
  const onTime = await direct('kms-us-east-1', `mutation { updateKmsKey(input: { identity: "dk", description: "after" }) { description } }`, 5000);
  expect(onTime.body.data.updateKmsKey.description).toBe('after');
});

test('platform: a token create or revoke and a feature gate change past their deadline write nothing', async () => {
  const before = await stack.ok(`{ apiTokens(first: 100) { id } }`);
  await refused('platform', `mutation { createApiToken(input: { name: "late", scopes: ["kms:read"] }) { info { id } } }`, 'SERVICE_UNAVAILABLE');
  expect((await stack.ok(`{ apiTokens(first: 100) { id } }`)).apiTokens).toEqual(before.apiTokens);

  const t = await stack.token(['kms:read']);
  await refused('platform', `mutation { revokeApiToken(id: "${t.id}") }`, 'SERVICE_UNAVAILABLE');
  expect((await stack.gql(`{ viewer { id } }`, {}, { token: t.token })).status).toBe(200);

  await refused('platform', `mutation { setFeatureGate(feature: "kms", enabled: false) { kms } }`, 'SERVICE_UNAVAILABLE');
  expect((await stack.ok(`{ featureGates { kms secrets } }`)).featureGates).toEqual({ kms: true, secrets: true });
  expect(await auditOf(`token:${t.id}`)).toEqual([
    { action: 'auth.token_revoked', outcome: 'FAILURE', errorCode: 'SERVICE_UNAVAILABLE' },
    { action: 'auth.token_created', outcome: 'SUCCESS', errorCode: null },
  ]);
});
