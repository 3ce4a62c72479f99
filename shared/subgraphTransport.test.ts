import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SubgraphTransport } from './subgraphTransport';

/** Real local servers: one that answers as told, one that never answers, one that resets, and a closed port. */
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end();
const seen: { headers: http.IncomingHttpHeaders; socketPort: number }[] = [];
const servers: http.Server[] = [];
const silentSockets = new Set<Socket>();
let answering = '';
let silent = '';
let resetting = '';
let closed = '';

function listen(server: http.Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`)));
}

function json(status: number, body: unknown, contentType = 'application/json; charset=utf-8') {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

beforeAll(async () => {
  answering = await listen(
    http.createServer((req, res) => {
      seen.push({ headers: req.headers, socketPort: req.socket.remotePort ?? 0 });
      req.resume();
      req.on('end', () => answer(req, res));
    }),
  );
  const s = http.createServer(() => undefined);
  s.on('connection', (sock) => {
    silentSockets.add(sock);
    sock.on('close', () => silentSockets.delete(sock));
  });
  silent = await listen(s);
  resetting = await listen(http.createServer((req) => req.socket.destroy()));
  const c = http.createServer();
  closed = await listen(c);
  await new Promise((r) => c.close(r));
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

const transports: SubgraphTransport[] = [];
afterEach(() => {
  transports.splice(0).forEach((t) => t.close());
  seen.length = 0;
});
function transport(opts: Partial<ConstructorParameters<typeof SubgraphTransport>[0]> = {}) {
  const t = new SubgraphTransport({ timeoutMs: 2000, ...opts });
  transports.push(t);
  return t;
}

const PAYLOAD = JSON.stringify({ query: '{ viewer { id } }' });

test('a GraphQL answer comes back with its status, its data and its errors minus internals', async () => {
  answer = json(403, { data: null, errors: [{ message: 'no', path: ['viewer'], extensions: { code: 'FORBIDDEN', stacktrace: ['at x'], serviceName: 'p' } }] });
  const out = await transport().post(answering, PAYLOAD, { 'x-request-id': 'r1' });
  expect(out).toEqual({ kind: 'answer', status: 403, body: { data: null, errors: [{ message: 'no', path: ['viewer'], extensions: { code: 'FORBIDDEN' } }] } });
});

test('the payload arrives byte for byte, non-ASCII text included, with its exact content-length', async () => {
  let got: { body: string; length: string | undefined } | null = null;
  const payload = JSON.stringify({ query: 'query($v: String) { echo(v: $v) }', variables: { v: 'é ✓ 🔑 '.repeat(20_000) } });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got = { body: Buffer.concat(chunks).toString('utf8'), length: req.headers['content-length'] };
      json(200, { data: {} })(req, res);
    });
  });
  const url = await listen(server);
  expect(await transport().post(url, payload, {})).toMatchObject({ kind: 'answer', status: 200 });
  expect(got!.body).toBe(payload);
  expect(Number(got!.length)).toBe(Buffer.byteLength(payload));
});

test("every call tells the subgraph how long it will wait: the transport's deadline, or the call's own", async () => {
  answer = json(200, { data: {} });
  const t = transport({ timeoutMs: 1234 });
  await t.post(answering, PAYLOAD, { 'x-request-id': 'r1' });
  await t.post(answering, PAYLOAD, {}, 567);
  expect(seen.map((s) => s.headers['x-timeout-ms'])).toEqual(['1234', '567']);
  expect(seen[0].headers['x-request-id']).toBe('r1');
  expect(seen[0].headers['content-type']).toBe('application/json');
});

test('calls reuse pooled keep-alive connections', async () => {
  answer = json(200, { data: {} });
  const t = transport();
  for (let i = 0; i < 10; i++) expect((await t.post(answering, PAYLOAD, {})).kind).toBe('answer');
  // undici frees a connection one event-loop turn after its answer, so a call made at once may
  // open a second one; then the two are reused, never one per call.
  expect(new Set(seen.map((s) => s.socketPort)).size).toBeLessThanOrEqual(2);
});

test('with keepAlive off every call opens its own connection (what keep-alive saves)', async () => {
  answer = json(200, { data: {} });
  const t = transport({ keepAlive: false });
  for (let i = 0; i < 3; i++) expect((await t.post(answering, PAYLOAD, {})).kind).toBe('answer');
  expect(new Set(seen.map((s) => s.socketPort)).size).toBe(3);
});

test('an answer that is not GraphQL is not-graphql and keeps its status (a proxy page, JSON of another shape, no content type)', async () => {
  const t = transport();
  answer = json(502, '<html>bad gateway</html>', 'text/html');
  expect(await t.post(answering, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'not-graphql', status: 502 });
  answer = json(200, { hello: 'world' });
  expect(await t.post(answering, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'not-graphql', status: 200 });
  answer = (_req, res) => res.end(JSON.stringify({ data: {} }));
  expect(await t.post(answering, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'not-graphql', status: 200 });
});

test('an answer over the response cap is not read: not-graphql, with no status', async () => {
  answer = json(200, { data: { blob: 'x'.repeat(64 * 1024) } });
  const small = transport({ maxResponseBytes: 16 * 1024 });
  expect(await small.post(answering, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'not-graphql' });
  // The same answer fits under a larger cap.
  expect((await transport({ maxResponseBytes: 1024 * 1024 }).post(answering, PAYLOAD, {})).kind).toBe('answer');
});

test('a subgraph that never answers is a timeout; the call deadline overrides the default', async () => {
  const t = transport({ timeoutMs: 60_000 });
  expect(await t.post(silent, PAYLOAD, {}, 100)).toEqual({ kind: 'unreachable', reason: 'timeout' });
});

test('a refused connection is refused, a reset mid-request is reset', async () => {
  const t = transport();
  expect(await t.post(closed, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'refused' });
  expect(await t.post(resetting, PAYLOAD, {})).toEqual({ kind: 'unreachable', reason: 'reset' });
});

test('alive reports a service whose /health/live answers 200, and not a closed or silent one', async () => {
  answer = (req, res) => {
    res.writeHead(req.url === '/health/live' ? 200 : 404);
    res.end();
  };
  const t = transport();
  expect(await t.alive(answering)).toBe(true);
  expect(await t.alive(closed)).toBe(false);
  expect(await t.alive(silent, 100)).toBe(false);
});
