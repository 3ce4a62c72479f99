import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { gqlClient } from './support/gql';
import { composedSupergraph, startStack, type Stack, type GqlResponse } from './support/stack';

/**
 * A region whose KMS endpoint resets connections answers 503 REGION_UNAVAILABLE
 * with extensions.region and Retry-After, within the subgraph timeout — never a hang, never a 200
 * with INTERNAL_SERVER_ERROR — while the other region keeps serving. The endpoint is a raw TCP
 * server that resets every connection: at once, after reading the request, or halfway through a
 * response.
 */
type Mode = 'reset-on-accept' | 'reset-after-request' | 'reset-mid-response';
const TIMEOUT_MS = 2000; // SUBGRAPH_TIMEOUT_MS default
let mode: Mode = 'reset-on-accept';
let accepted = 0;
let resetter: Server;
let stack: Stack;
let gateway: RunningService;

function reset(socket: Socket): void {
  // RST rather than FIN: what a crashed or firewalled peer looks like.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Through the gateway whose eu-west-1 is the resetting endpoint. */
const { gql } = gqlClient((q, v, o) => stack.gql(q, v, o), () => ({ url: gateway.url }));

beforeAll(async () => {
  resetter = createServer((socket) => {
    accepted++;
    socket.on('error', () => undefined);
    if (mode === 'reset-on-accept') return reset(socket);
    socket.once('data', () => {
      if (mode === 'reset-mid-response') {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"data":{"kmsK', () => setTimeout(() => reset(socket), 20));
      } else {
        reset(socket);
      }
    });
  });
  await new Promise<void>((res) => resetter.listen(0, '127.0.0.1', res));
  const port = (resetter.address() as AddressInfo).port;

  stack = await startStack({ label: 'kms-gw-reset', kms: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }`, {}, { region: 'us-east-1' });
  // Same stack, but this gateway's registry points eu-west-1 at the resetting endpoint. A high breaker
  // threshold keeps the circuit closed, so every request really meets the reset.
  const regions = `us-east-1=${stack.kms('us-east-1').url},eu-west-1=http://127.0.0.1:${port}/graphql,ap-southeast-2=`;
  gateway = await startGateway(stack.config({ REGIONS: regions }), {
    port: 0,
    supergraphSdl: await composedSupergraph(),
    breaker: { failureThreshold: 1_000_000, resetAfterMs: 60_000 },
  });
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await stack?.stop();
  await new Promise((res) => resetter?.close(res));
});

function expectRegionUnavailable(r: GqlResponse, label: string, elapsedMs: number): void {
  expect({ label, status: r.status, codes: r.body.errors?.map((e) => e.extensions?.code), region: r.body.errors?.[0]?.extensions?.region }).toEqual({
    label, status: 503, codes: ['REGION_UNAVAILABLE'], region: 'eu-west-1',
  });
  expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(elapsedMs).toBeLessThan(TIMEOUT_MS + 500);
  expect(JSON.stringify(r.body)).not.toContain('INTERNAL_SERVER_ERROR');
  expect(JSON.stringify(r.body)).not.toMatch(/ECONNRESET|socket hang up|127\.0\.0\.1/);
}

const OPERATIONS: [string, string][] = [
  ['kmsKey query', `{ kmsKey(identity: "k") { identity } }`],
  ['kmsKeys query', `{ kmsKeys { nodes { identity } } }`],
  ['createKmsKey mutation', `mutation { createKmsKey(input: { identity: "x", type: AES256_GCM96 }) { identity } }`],
  ['encrypt mutation', `mutation { encrypt(input: { keyIdentity: "k", plaintext: "${Buffer.from('p').toString('base64')}" }) { ciphertext } }`],
];

describe.each<Mode>(['reset-on-accept', 'reset-after-request', 'reset-mid-response'])('eu-west-1 endpoint: %s', (m) => {
  beforeAll(() => {
    mode = m;
  });

  test.each(OPERATIONS)('%s → 503 REGION_UNAVAILABLE, region eu-west-1, Retry-After, within the timeout', async (label, query) => {
    const before = accepted;
    const t0 = Date.now();
    const r = await gql(query, {}, { region: 'eu-west-1' });
    expectRegionUnavailable(r, `${m} ${label}`, Date.now() - t0);
    // The gateway really went to the endpoint (the circuit did not short-cut it).
    expect(accepted).toBeGreaterThan(before);
  });

  test('us-east-1 on the same gateway keeps serving', async () => {
    const r = await gql(`{ kmsKey(identity: "k") { region identity } }`, {}, { region: 'us-east-1' });
    expect({ status: r.status, errors: r.body.errors, data: r.body.data }).toEqual({ status: 200, errors: undefined, data: { kmsKey: { region: 'us-east-1', identity: 'k' } } });
  });

  test('a platform field beside the eu-west-1 kms field still resolves: 200 with partial data, the kms error coded REGION_UNAVAILABLE', async () => {
    const r = await gql(`{ viewer { project } kmsKey(identity: "k") { identity } }`, {}, { region: 'eu-west-1' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ viewer: { project: 'default' }, kmsKey: null });
    expect(r.body.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' })]);
  });
});

test('ten concurrent requests to the resetting region all get 503 REGION_UNAVAILABLE within the timeout', async () => {
  mode = 'reset-after-request';
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 10 }, () => gql(`{ kmsKey(identity: "k") { identity } }`, {}, { region: 'eu-west-1' })));
  const elapsed = Date.now() - t0;
  rs.forEach((r, i) => expectRegionUnavailable(r, `#${i}`, elapsed));
});
