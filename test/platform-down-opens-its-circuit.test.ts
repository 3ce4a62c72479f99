import { HoldProxy } from './support/holdProxy';
import { postGql } from './support/gql';
import { startLocalGateway, startStack, type Stack } from './support/stack';
import type { RunningService } from '../shared/subgraphServer';

/**
 * The platform subgraph (a global one) goes down: after the breaker's threshold the gateway answers
 * 503 SERVICE_UNAVAILABLE with Retry-After at once, without touching the network; once platform is
 * back and the reset time has passed, one trial closes the circuit again.
 */
const THRESHOLD = 3;
const RESET_MS = 800;
const VIEWER = '{ viewer { project } }';

let stack: Stack;
let proxy: HoldProxy;
let gateway: RunningService;

const readiness = async () => (await (await fetch(gateway.url.replace(/\/graphql$/, '/health/ready'))).json()) as any;
const circuitOf = async (name: string) => (await readiness()).subgraphs.find((s: any) => s.name === name)?.circuit;
const viewer = () => postGql(gateway.url, VIEWER, {}, { token: stack.rootToken });

beforeAll(async () => {
  stack = await startStack({ label: 'platform-circuit', gateway: false });
  const platform = new URL(stack.baseEnv.PLATFORM_URL);
  // Counts the gateway's connections to platform, so the test sees an open circuit stay off the network.
  proxy = await new HoldProxy({ host: platform.hostname, port: Number(platform.port) }).start();
  proxy.release();
  gateway = await startLocalGateway({ ...stack.baseEnv, ROOT_TOKEN: '', PLATFORM_URL: proxy.url }, { breaker: { failureThreshold: THRESHOLD, resetAfterMs: RESET_MS } });
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await proxy.stop();
  await stack.stop();
});

it('platform down → SERVICE_UNAVAILABLE, then fast with Retry-After once open; back → recovers after the reset', async () => {
  expect((await viewer()).body).toEqual({ data: { viewer: { project: 'default' } } });
  expect(await circuitOf('platform')).toBe('closed');
  expect(await circuitOf('secrets')).toBe('closed');

  await stack.stopService('platform');
  for (let i = 0; i < THRESHOLD; i++) {
    const r = await viewer();
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  }
  expect(await circuitOf('platform')).toBe('open');
  expect((await readiness()).status).toBe('ready'); // reported, not required

  const connectionsBefore = proxy.connections;
  const elapsed: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await viewer();
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    elapsed.push(r.elapsedMs);
  }
  // Answered without a connection attempt; the fastest shows the cost, the slowest a busy machine's stalls.
  expect(proxy.connections).toBe(connectionsBefore);
  expect(Math.min(...elapsed)).toBeLessThan(50);
  expect(Math.max(...elapsed)).toBeLessThan(500);

  await stack.restartService('platform');
  // Still open until the reset time has passed; then the next request is the trial.
  const deadline = Date.now() + RESET_MS * 10;
  while ((await circuitOf('platform')) !== 'half-open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(await circuitOf('platform')).toBe('half-open');
  expect((await viewer()).body).toEqual({ data: { viewer: { project: 'default' } } });
  expect(await circuitOf('platform')).toBe('closed');
}, 60_000);
