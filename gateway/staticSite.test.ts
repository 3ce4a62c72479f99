import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, staticSite } from './staticSite';

/**
 * The console's static files: exact paths only, with types, nosniff and CSP; nothing outside the
 * table (no traversal, however encoded); the explorer only when enabled.
 */
let root: string;
const servers: Server[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'static-site-'));
  mkdirSync(join(root, 'console', 'static'), { recursive: true });
  mkdirSync(join(root, 'dist', 'console'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"secret":"outside the site"}');
  writeFileSync(join(root, 'console', 'static', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(root, 'console', 'static', 'explorer.html'), '<!doctype html><title>explorer</title>');
  writeFileSync(join(root, 'console', 'static', 'console.css'), 'body{}');
  writeFileSync(join(root, 'console', 'static', 'notes.txt'), 'not a site file type');
  writeFileSync(join(root, 'dist', 'console', 'main.js'), 'export {};');
  writeFileSync(join(root, 'dist', 'console', 'main.d.ts'), 'export {};');
  writeFileSync(join(root, 'dist', 'console', 'explorer.js'), 'export {};');
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(root, { recursive: true, force: true });
});

/** A server that answers the site's paths and 418 for anything the site declines. */
async function serve(explorer: boolean): Promise<number> {
  // Vendor files resolve from the repository's node_modules, as they do in the gateway.
  const site = staticSite({ explorer, root });
  const server = createServer((req, res) => {
    if (!site(req, res, (req.url ?? '/').split('?')[0], { 'x-request-id': 'r1' })) {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A raw request: the path goes on the wire exactly as written (fetch would normalise "..") */
function get(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the page with CSP, nosniff and no caching, and assets with their types', async () => {
  const port = await serve(false);
  for (const path of ['/console', '/console/']) {
    const page = await get(port, path);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>console</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-request-id']).toBe('r1');
  }
  expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
  expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|https?:|\*/);

  const js = await get(port, '/console/js/main.js');
  expect(js).toMatchObject({ status: 200, body: 'export {};' });
  expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(js.headers['x-content-type-options']).toBe('nosniff');
  const css = await get(port, '/console/console.css');
  expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

  const again = await get(port, '/console/js/main.js', 'GET', { 'if-none-match': String(js.headers.etag) });
  expect(again.status).toBe(304);
  const head = await get(port, '/console', 'HEAD');
  expect(head).toMatchObject({ status: 200, body: '' });
  expect((await get(port, '/console', 'POST')).status).toBe(405);
});

it('answers 404 for every path outside its table: traversal, encodings, other file types', async () => {
  const port = await serve(false);
  const attempts = [
    '/console/../package.json',
    '/console/js/../../package.json',
    '/console/%2e%2e/package.json',
    '/console/%2e%2e%2fpackage.json',
    '/console/..%5cpackage.json',
    '/console/js/..%2F..%2F..%2Fpackage.json',
    '/console//etc/passwd',
    '/console/%2Fetc%2Fpasswd',
    '/console/index.html%00.css',
    '/console/notes.txt',
    '/console/js/main.d.ts',
    '/console/js/explorer.js',
    '/console/js/',
    '/console/missing.css',
    '/explorer/../console',
  ];
  for (const path of attempts) {
    const r = await get(port, path);
    expect({ path, status: r.status, leaked: r.body.includes('outside the site') }).toEqual({ path, status: 404, leaked: false });
  }
  // Not the site's: the gateway's own routes run.
  expect((await get(port, '/graphql')).status).toBe(418);
  expect((await get(port, '/consoles')).status).toBe(418);
});

it('serves the explorer and its bundled GraphiQL and React only when enabled', async () => {
  const off = await serve(false);
  expect((await get(off, '/explorer')).status).toBe(404);
  expect((await get(off, '/explorer/graphiql.min.js')).status).toBe(404);

  const on = await serve(true);
  const page = await get(on, '/explorer');
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  for (const [path, type] of [
    ['/explorer/graphiql.min.js', 'text/javascript; charset=utf-8'],
    ['/explorer/graphiql.min.css', 'text/css; charset=utf-8'],
    ['/explorer/react.production.min.js', 'text/javascript; charset=utf-8'],
    ['/explorer/react-dom.production.min.js', 'text/javascript; charset=utf-8'],
    ['/explorer/explorer.js', 'text/javascript; charset=utf-8'],
  ]) {
    const r = await get(on, path, 'HEAD');
    expect({ path, status: r.status, type: r.headers['content-type'] }).toEqual({ path, status: 200, type });
  }
});

it("the runtime image holds every directory the site's table reads from", () => {
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
  for (const dir of ['console/static', 'dist', 'node_modules']) {
    expect({ dir, copied: runtime.includes(`COPY --from=build /app/${dir} ./${dir}`) }).toEqual({ dir, copied: true });
  }
});
