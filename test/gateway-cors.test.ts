import { request } from 'node:http';
import type { RunningService } from '../shared/subgraphServer';
import { startLocalGateway, startStack, type Stack } from './support/stack';

/** What a browser does: preflight, then the call, both carrying the page's Origin. */
describe('gateway CORS for browser pages on other origins', () => {
  let stack: Stack;
  const extra: RunningService[] = [];
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-cors' });
  });
  afterAll(async () => {
    for (const g of extra) await g.stop();
    await stack?.stop();
  });
  /** One more gateway in front of the stack's subgraphs, with its own environment. */
  const gatewayWith = async (env: Record<string, string>) => {
    const g = await startLocalGateway({ ...stack.baseEnv, ...env });
    extra.push(g);
    return g.url;
  };

  const preflight = (url: string, origin: string, requestHeaders = 'authorization, content-type, x-region, x-request-id, apollo-require-preflight') =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });
  const call = (url: string, origin: string) =>
    fetch(url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${stack.rootToken}`, 'x-request-id': 'cors-call-1' },
      body: JSON.stringify({ query: '{ viewer { project } }' }),
    });
  const list = (v: string | null) => (v ?? '').split(',').map((s) => s.trim().toLowerCase());

  it('answers an allowed origin\'s preflight with the methods and headers a client needs', async () => {
    const res = await preflight(stack.gatewayUrl, 'http://localhost:5173');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(list(res.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'post', 'options']));
    expect(list(res.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-region', 'x-request-id', 'apollo-require-preflight']),
    );
    expect(list(res.headers.get('vary'))).toContain('origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives a disallowed origin\'s preflight no grant (204, no access-control-* headers)', async () => {
    const res = await preflight(stack.gatewayUrl, 'https://evil.example');
    expect(res.status).toBe(204);
    expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(list(res.headers.get('vary'))).toContain('origin');
  });

  it('lets an allowed origin read the answer and its x-request-id / retry-after headers', async () => {
    const res = await call(stack.gatewayUrl, 'http://127.0.0.1:8080');
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.viewer.project).toBe('default');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(list(res.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['x-request-id', 'retry-after']));
    expect(res.headers.get('x-request-id')).toBe('cors-call-1');
    expect(list(res.headers.get('vary'))).toContain('origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('carries the grant on error answers too, so a page can read the code', async () => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', 'content-type': 'application/json', 'x-region': 'mars-1' },
      body: JSON.stringify({ query: '{ viewer { project } }' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('gives a disallowed origin\'s call no access-control-allow-origin', async () => {
    const res = await call(stack.gatewayUrl, 'http://localhost.evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
    expect(list(res.headers.get('vary'))).toContain('origin');
  });

  it('in development also allows the origin the gateway is addressed by', async () => {
    // fetch() may not set Host; a plain HTTP request addresses the gateway by another name.
    const { port } = new URL(stack.gatewayUrl);
    const ask = (origin: string) =>
      new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/graphql', method: 'OPTIONS', headers: { host: `gateway.internal:${port}`, origin, 'access-control-request-method': 'POST' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers));
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect((await ask(`http://gateway.internal:${port}`))['access-control-allow-origin']).toBe(`http://gateway.internal:${port}`);
    expect((await ask(`http://gateway.internal:1`))['access-control-allow-origin']).toBeUndefined();
  });

  it('does not grant CORS on the health endpoints', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const res = await fetch(new URL(path, stack.gatewayUrl), { headers: { origin: 'http://localhost:5173' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('in production allows no origin by default', async () => {
    const url = await gatewayWith({ NODE_ENV: 'production' });
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8080']) {
      expect((await preflight(url, origin)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await call(url, origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('with CORS_ORIGINS allows exactly the listed origins', async () => {
    const url = await gatewayWith({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com, http://10.1.2.3:*' });
    expect((await preflight(url, 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await call(url, 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await preflight(url, 'http://10.1.2.3:8080')).headers.get('access-control-allow-origin')).toBe('http://10.1.2.3:8080');
    for (const origin of ['http://app.example.com', 'https://app.example.com:8443', 'http://localhost:5173', 'null']) {
      expect((await preflight(url, origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
    // The list replaces the development default.
    const dev = await gatewayWith({ CORS_ORIGINS: 'https://app.example.com' });
    expect((await preflight(dev, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
