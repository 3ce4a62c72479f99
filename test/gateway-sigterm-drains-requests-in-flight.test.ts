import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { HoldProxy } from './support/holdProxy';
import { freePorts, isListening } from './support/ports';
import { postGql } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * The gateway as a real process (dist/gateway/index.js) gets SIGTERM while requests are in flight
 * (their platform answers held back by a proxy): readiness answers 503 at once, new connections
 * are refused, every request in flight still gets its normal answer, and the process exits 0.
 */
const GRACE_MS = 8000;
const IN_FLIGHT = 6;
const VIEWER = '{ viewer { project } }';

let stack: Stack;
let proxy: HoldProxy;
let gateway: ChildProcess | null = null;

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An HTTP request sent up to its last header line: the connection counts as busy, not idle. */
function partialRequest(port: number, path: string): Promise<{ finish: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
      let text = '';
      sock.on('data', (c) => (text += c.toString('utf8')));
      const ended = new Promise<string>((r) => sock.on('close', () => r(text)));
      resolve({ finish: () => (sock.write('\r\n'), ended) });
    });
    sock.once('error', reject);
  });
}

/** The gateway as its own process, its platform answers passing through the proxy. */
async function spawnGateway(graceMs: number) {
  const [port] = await freePorts(1);
  gateway = spawn(process.execPath, [join(__dirname, '..', 'dist', 'gateway', 'index.js')], {
    env: {
      ...process.env,
      ...stack.baseEnv,
      ROOT_TOKEN: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      PLATFORM_URL: proxy.url,
      SUBGRAPH_TIMEOUT_MS: '30000',
      SHUTDOWN_GRACE_MS: String(graceMs),
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<{ code: number | null; at: number }>((r) => gateway!.once('exit', (code) => r({ code, at: Date.now() })));
  await until(async () => (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null))?.ok === true, 'the gateway to start');
  return { port, url: `http://127.0.0.1:${port}/graphql`, exited };
}

beforeAll(async () => {
  stack = await startStack({ label: 'sigterm-drain', gateway: false });
  const platform = new URL(stack.baseEnv.PLATFORM_URL);
  proxy = await new HoldProxy({ host: platform.hostname, port: Number(platform.port) }).start();
}, 60_000);
afterAll(async () => {
  if (gateway && gateway.exitCode === null) gateway.kill('SIGKILL');
  await proxy.stop();
  await stack.stop();
});

it('SIGTERM: readiness 503 first, new connections refused, requests in flight all answered, exit 0 within the grace', async () => {
  const { port, url, exited } = await spawnGateway(GRACE_MS);

  const inFlight = Array.from({ length: IN_FLIGHT }, () => postGql(url, VIEWER, {}, { token: stack.rootToken }));
  // Each request has reached the platform and its answer is waiting at the proxy.
  await until(() => proxy.heldAnswers >= IN_FLIGHT, 'the requests to be in flight');
  const probe = await partialRequest(port, '/health/ready');

  const signalledAt = Date.now();
  gateway!.kill('SIGTERM');
  await until(async () => !(await isListening(port)), 'new connections to be refused', 5000);
  const ready = await probe.finish();
  expect(ready).toMatch(/^HTTP\/1\.1 503 /);
  expect(ready.toLowerCase()).toContain('connection: close');
  expect(ready).toContain('"status":"unavailable"');
  expect(gateway!.exitCode).toBeNull(); // still finishing what is in flight

  proxy.release();
  const answers = await Promise.all(inFlight);
  for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 200, body: { data: { viewer: { project: 'default' } } } });

  const { code, at } = await exited;
  expect(code).toBe(0);
  expect(at - signalledAt).toBeLessThan(GRACE_MS + 2000);
  // Arriving after the grace (the process is gone): the connection is refused, nothing half-answers.
  await expect(postGql(url, VIEWER, {}, { token: stack.rootToken })).rejects.toThrow();
}, 60_000);

it('SIGTERM: a request still running when the grace ends is cut off, and the process exits 0 on time', async () => {
  const graceMs = 1000;
  proxy.hold();
  proxy.heldAnswers = 0;
  const { url, exited } = await spawnGateway(graceMs);
  const stuck = postGql(url, VIEWER, {}, { token: stack.rootToken }).then(() => 'answered', () => 'cut off');
  await until(() => proxy.heldAnswers >= 1, 'the request to be in flight');
  const signalledAt = Date.now();
  gateway!.kill('SIGTERM');
  const { code, at } = await exited;
  expect(code).toBe(0);
  expect(at - signalledAt).toBeGreaterThanOrEqual(graceMs - 50);
  expect(at - signalledAt).toBeLessThan(graceMs + 2000);
  expect(await stuck).toBe('cut off');
  proxy.release();
}, 60_000);
