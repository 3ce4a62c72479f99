import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startStack, type Stack } from './support/stack';

/**
 * batchGetSecretValue of 100 paths bound to 2 keys in each of 2 regions makes exactly one KMS
 * decryptBatch call per key and region — 4 calls, not 100 decrypts — and every value comes back
 * right, in order. Observed from outside the code: the requests each regional kms HTTP server
 * receives, and the kms.decrypt audit events of the request (one per batch call, actor the caller,
 * via secrets). A key that is not ACTIVE fails only its own items.
 */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const KEYS = ['bk-0', 'bk-1'];
const paths = Array.from({ length: 100 }, (_, i) => `many/s${String(i).padStart(3, '0')}`);
const regionOf = (i: number) => REGIONS[i % 2];
const keyOf = (i: number) => KEYS[(i >> 1) % 2];
const valueOf = (i: number) => `value ${i} ${'x'.repeat(i)}`;
const BATCH = `query($ps: [String!]!) { batchGetSecretValue(paths: $ps) { path value version error { code } } }`;

let stack: Stack;
const kmsRequests: Record<string, number> = {};
const count = (region: string) => (req: IncomingMessage) => {
  if ((req.url ?? '').length > 0) kmsRequests[region] = (kmsRequests[region] ?? 0) + 1;
};

beforeAll(async () => {
  stack = await startStack({ label: 'batch-grouped', kms: true, secrets: true });
  for (const region of REGIONS) {
    for (const k of KEYS) await stack.ok(`mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity: k, type: 'AES256_GCM96' } }, { region });
  }
  for (let i = 0; i < paths.length; i += 10) {
    await Promise.all(paths.slice(i, i + 10).map((path, j) => stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, {
      i: { path, kmsKeyIdentity: keyOf(i + j), region: regionOf(i + j), value: valueOf(i + j) },
    })));
  }
  for (const region of REGIONS) stack.kms(region).server.on('request', count(region));
}, 60_000);
afterAll(async () => stack?.stop());

async function kmsEventsOf(requestId: string): Promise<{ action: string; outcome: string; resource: string; actor: string; via: string | null }[]> {
  const r = await stack.ok(`query($r: String!) { auditEvents(filter: { requestId: $r }, first: 500) { nodes { action outcome resource actor via } } }`, { r: requestId });
  return r.auditEvents.nodes.filter((e: { action: string }) => e.action.startsWith('kms.'));
}

test('100 paths over 2 keys x 2 regions: 4 decryptBatch calls (one per key and region), every value right and in order', async () => {
  for (const r of REGIONS) kmsRequests[r] = 0;
  const reader = await stack.token(['secrets:read_value']);
  const requestId = `grouped-${randomUUID()}`;
  const data = await stack.ok(BATCH, { ps: paths }, { requestId, token: reader.token });
  expect(data.batchGetSecretValue).toEqual(paths.map((path, i) => ({ path, value: valueOf(i), version: 1, error: null })));
  expect(kmsRequests).toEqual({ 'us-east-1': 2, 'eu-west-1': 2 });
  const events = await kmsEventsOf(requestId);
  expect(events.map((e) => [e.action, e.outcome, e.resource, e.via]).sort()).toEqual(
    REGIONS.flatMap((r) => KEYS.map((k) => ['kms.decrypt', 'SUCCESS', `kms-key:${r}/${k}`, 'secrets'])).sort(),
  );
  // The caller, not the secrets service, is the actor of each KMS event.
  expect(new Set(events.map((e) => e.actor))).toEqual(new Set([reader.id]));
});

test('a disabled key fails only its own items (KMS_KEY_NOT_ACTIVE); the other keys still answer, one call each', async () => {
  await stack.ok(`mutation { disableKmsKey(identity: "bk-1") { status } }`, {}, { region: 'eu-west-1' });
  try {
    for (const r of REGIONS) kmsRequests[r] = 0;
    const data = await stack.ok(BATCH, { ps: paths });
    data.batchGetSecretValue.forEach((item: { path: string; value: string | null; error: { code: string } | null }, i: number) => {
      if (regionOf(i) === 'eu-west-1' && keyOf(i) === 'bk-1') expect(item).toEqual({ path: paths[i], value: null, version: null, error: { code: 'KMS_KEY_NOT_ACTIVE' } });
      else expect(item).toEqual({ path: paths[i], value: valueOf(i), version: 1, error: null });
    });
    expect(kmsRequests).toEqual({ 'us-east-1': 2, 'eu-west-1': 2 });
  } finally {
    await stack.ok(`mutation { enableKmsKey(identity: "bk-1") { status } }`, {}, { region: 'eu-west-1' });
  }
});
