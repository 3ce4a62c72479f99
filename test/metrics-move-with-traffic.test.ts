import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningPlatform } from '../subgraphs/platform/server';
import { b64 } from './support/gql';
import { metricsUrl, scrape, type Scrape } from './support/metricsScrape';
import { startStack, type Stack } from './support/stack';

/**
 * /metrics of every service (gateway, platform, secrets, each KMS) counts what real traffic did:
 * requests by operation and code, latency histograms, KMS operations by key type and region,
 * Redis round trips, audit append failures and archive runs, and a region's breaker state.
 */
const ENCRYPT = `mutation($input: EncryptInput!) { encrypt(input: $input) { ciphertext } }`;
const REVEAL = `query($path: String!) { getSecretValue(path: $path) { value } }`;

let stack: Stack;
let archiveDir: string;
beforeAll(async () => {
  archiveDir = mkdtempSync(join(tmpdir(), 'metrics-archive-'));
  stack = await startStack({
    label: 'metrics',
    kms: true,
    secrets: true,
    env: { AUDIT_ARCHIVE_DIR: archiveDir, AUDIT_ARCHIVE_INTERVAL_MS: '3600000' },
    // One refused call opens a region's circuit, and it stays open for the test.
    gatewayOptions: { breaker: { failureThreshold: 1, resetAfterMs: 600_000 } },
  });
  await stack.ok(`mutation { createKmsKey(input: { identity: "m-key", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "m/one", kmsKeyIdentity: "m-key" }) { path } }`);
  await stack.ok(`mutation { putSecretValue(input: { path: "m/one", value: "v1", expectedVersion: 0 }) { version } }`);
});
afterAll(async () => {
  await stack.stop();
  rmSync(archiveDir, { recursive: true, force: true });
});

const url = (service: string) => stack.running.get(service)!.url;
const scrapeAll = async (): Promise<Record<string, Scrape>> => {
  const names = ['gateway', 'platform', 'secrets', 'kms-us-east-1', 'kms-eu-west-1'];
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await scrape(url(n))] as const)));
};

it('every service answers GET /metrics with its own registry, and only GET', async () => {
  const all = await scrapeAll();
  for (const [service, s] of Object.entries(all)) {
    expect(s.text).toContain('# TYPE smk_requests_total counter');
    expect(s.text).toContain('# TYPE smk_request_duration_seconds histogram');
    expect(s.sum('smk_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const sample of s.samples.filter((x) => x.name.startsWith('smk_request'))) expect(sample.labels.service).toBe(service);
  }
  const post = await fetch(metricsUrl(url('gateway')), { method: 'POST' });
  expect(post.status).toBe(404);
  await post.text();
});

it('request, KMS, Redis and audit metrics move when traffic flows', async () => {
  const before = await scrapeAll();
  for (let i = 0; i < 3; i++) await stack.ok(ENCRYPT, { input: { keyIdentity: 'm-key', plaintext: b64(`p${i}`) } });
  for (let i = 0; i < 2; i++) expect((await stack.ok(REVEAL, { path: 'm/one' })).getSecretValue.value).toBe('v1');
  const missing = await stack.gql(REVEAL, { path: 'm/none' });
  expect(missing.status).toBe(404);
  const anonymous = await stack.gql(`{ viewer { id } }`, {}, { token: null });
  expect(anonymous.status).toBe(401);
  // The audit log refuses events while a project's backlog is flagged full: the reveal fails closed.
  const secrets = stack.services.get('secrets')!;
  await secrets.redis.set('audit:{default}:full', '1');
  const refused = await stack.gql(REVEAL, { path: 'm/one' });
  await secrets.redis.del('audit:{default}:full');
  expect(refused.status).toBe(503);
  // A listing: the secrets store reads a page's records in one pipelined batch.
  expect((await stack.ok(`{ secrets(pathPrefix: "m/") { nodes { path } } }`)).secrets.nodes.length).toBeGreaterThan(0);
  await (stack.running.get('platform') as RunningPlatform).archiver!.runOnce();
  const after = await scrapeAll();

  const moved = (service: string, name: string, labels: Record<string, string>) => after[service].sum(name, labels) - before[service].sum(name, labels);
  // Gateway: by root field and code, with the status.
  expect(moved('gateway', 'smk_requests_total', { operation: 'encrypt', code: 'OK', status: '200' })).toBe(3);
  expect(moved('gateway', 'smk_requests_total', { operation: 'getSecretValue', code: 'OK', status: '200' })).toBe(2);
  expect(moved('gateway', 'smk_requests_total', { operation: 'getSecretValue', code: 'NOT_FOUND', status: '404' })).toBe(1);
  expect(moved('gateway', 'smk_requests_total', { operation: 'getSecretValue', code: 'STORE_UNAVAILABLE', status: '503' })).toBe(1);
  expect(moved('gateway', 'smk_requests_total', { operation: 'viewer', code: 'UNAUTHENTICATED', status: '401' })).toBe(1);
  expect(moved('gateway', 'smk_request_duration_seconds_count', { operation: 'encrypt' })).toBe(3);
  expect(moved('gateway', 'smk_request_duration_seconds_count', { operation: 'getSecretValue' })).toBe(4);
  // The subgraphs count what reached them: secrets the reveals, platform the refusal before parsing.
  expect(moved('secrets', 'smk_requests_total', { operation: 'getSecretValue', code: 'OK' })).toBe(2);
  expect(moved('secrets', 'smk_requests_total', { operation: 'getSecretValue', code: 'NOT_FOUND' })).toBe(1);
  expect(moved('platform', 'smk_requests_total', { operation: 'unknown', code: 'UNAUTHENTICATED', status: '401' })).toBe(1);
  expect(moved('kms-us-east-1', 'smk_requests_total', { operation: 'encrypt', code: 'OK' })).toBe(3);
  expect(moved('kms-us-east-1', 'smk_requests_total', { operation: 'decrypt', code: 'OK' })).toBe(2);
  expect(moved('kms-us-east-1', 'smk_request_duration_seconds_count', { operation: 'encrypt' })).toBe(3);
  // KMS operations by key type and region (the reveals decrypt on the secrets service's behalf).
  const aes = { key_type: 'AES256_GCM96', region: 'us-east-1', outcome: 'OK' };
  expect(moved('kms-us-east-1', 'smk_kms_operations_total', { ...aes, operation: 'encrypt' })).toBe(3);
  // Three decrypts ran: the third's result was refused at its audit event and never left the KMS.
  expect(moved('kms-us-east-1', 'smk_kms_operations_total', { ...aes, operation: 'decrypt' })).toBe(3);
  expect(after['kms-eu-west-1'].sum('smk_kms_operations_total')).toBe(0);
  // Redis: pipelined batches timed where the stores use them, and a PING at every scrape.
  expect(moved('kms-us-east-1', 'smk_redis_round_trip_seconds_count', { kind: 'pipeline' })).toBeGreaterThan(0);
  expect(moved('secrets', 'smk_redis_round_trip_seconds_count', { kind: 'pipeline' })).toBeGreaterThan(0);
  for (const service of Object.keys(after)) expect(moved(service, 'smk_redis_round_trip_seconds_count', { kind: 'ping' })).toBe(1);
  // Audit: the refused decrypt's event, and the archiver's run with nothing left unarchived.
  expect(moved('kms-us-east-1', 'smk_audit_append_failures_total', { flow: 'read' })).toBe(1);
  expect(moved('kms-us-east-1', 'smk_requests_total', { operation: 'decrypt', code: 'STORE_UNAVAILABLE', status: '503' })).toBe(1);
  expect(moved('secrets', 'smk_audit_append_failures_total', {})).toBe(0);
  expect(moved('platform', 'smk_audit_archive_runs_total', { outcome: 'ok' })).toBe(1);
  expect(after.platform.sum('smk_audit_archive_last_run_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
  expect(after.platform.series('smk_audit_unarchived_events')).toBe(1);
  expect(after.platform.sum('smk_audit_unarchived_events')).toBe(0);
  expect(after.platform.series('smk_audit_projects_over_backlog')).toBe(1);
});

it("a region that cannot be reached flips that region's breaker gauge to open", async () => {
  const breaker = { kind: 'region', target: 'eu-west-1' };
  const before = await scrape(url('gateway'));
  expect(before.sum('smk_breaker_state', breaker)).toBe(0);
  expect(before.sum('smk_breaker_state', { kind: 'subgraph', target: 'secrets' })).toBe(0);
  await stack.stopKms('eu-west-1');
  const down = await stack.gql(ENCRYPT, { input: { keyIdentity: 'm-key', plaintext: b64('x') } }, { region: 'eu-west-1' });
  expect(down.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
  const after = await scrape(url('gateway'));
  expect(after.sum('smk_breaker_state', breaker)).toBe(2);
  expect(after.sum('smk_breaker_transitions_total', { ...breaker, to: 'open' }) - before.sum('smk_breaker_transitions_total', { ...breaker, to: 'open' })).toBe(1);
  expect(after.sum('smk_breaker_state', { kind: 'region', target: 'us-east-1' })).toBe(0);
  expect(after.sum('smk_requests_total', { operation: 'encrypt', code: 'REGION_UNAVAILABLE', status: '503' })).toBe(1);
});

it('1000 different operationNames add no series: labels are root fields, never client-chosen names', async () => {
  const gateway = await scrape(url('gateway'));
  const platform = await scrape(url('platform'));
  // 1000 names answered by the gateway alone (root __typename), 200 that reach the platform too.
  const send = async (n: number, query: (i: number) => string) => {
    for (let i = 0; i < n; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, n - i) }, async (_, j) => expect((await stack.gql(query(i + j))).status).toBe(200)));
    }
  };
  await send(1000, (i) => `query Op_${i}_${'x'.repeat(i % 50)} { __typename }`);
  await send(200, (i) => `query Viewer_${i} { viewer { id } }`);
  const gatewayAfter = await scrape(url('gateway'));
  const platformAfter = await scrape(url('platform'));
  const moved = (a: Scrape, b: Scrape, labels: Record<string, string>) => b.sum('smk_requests_total', labels) - a.sum('smk_requests_total', labels);
  expect(moved(gateway, gatewayAfter, { operation: '__typename', code: 'OK' })).toBe(1000);
  expect(moved(gateway, gatewayAfter, { operation: 'viewer', code: 'OK' })).toBe(200);
  expect(moved(platform, platformAfter, { operation: 'viewer', code: 'OK' })).toBe(200);
  expect(gatewayAfter.series('smk_requests_total') - gateway.series('smk_requests_total')).toBeLessThanOrEqual(2);
  expect(platformAfter.series('smk_requests_total') - platform.series('smk_requests_total')).toBeLessThanOrEqual(1);
  expect(gatewayAfter.text + platformAfter.text).not.toMatch(/Op_\d|Viewer_\d/);
});

describe('METRICS_TOKEN', () => {
  let guarded: Stack;
  const token = 'm'.repeat(40);
  beforeAll(async () => {
    guarded = await startStack({ label: 'metrics-token', env: { METRICS_TOKEN: token } });
  });
  afterAll(() => guarded.stop());

  it('when set, /metrics of every service answers only to its bearer token', async () => {
    for (const service of ['gateway', 'platform']) {
      const target = metricsUrl(guarded.running.get(service)!.url);
      for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${'x'.repeat(40)}` }, { authorization: token }]) {
        const r = await fetch(target, { headers });
        expect(r.status).toBe(401);
        expect(await r.text()).not.toContain('smk_');
      }
      const s = await scrape(guarded.running.get(service)!.url, { authorization: `Bearer ${token}` });
      expect(s.text).toContain('smk_requests_total');
    }
  });
});

describe('the production gateway without METRICS_TOKEN', () => {
  let prod: Stack;
  beforeAll(async () => {
    prod = await startStack({ label: 'metrics-prod', serviceEnv: { gateway: { NODE_ENV: 'production' } } });
  });
  afterAll(() => prod.stop());

  it('does not serve /metrics on its public port; the subgraphs still do', async () => {
    const r = await fetch(metricsUrl(prod.gatewayUrl));
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain('smk_');
    expect((await scrape(prod.running.get('platform')!.url)).text).toContain('smk_requests_total');
  });
});
