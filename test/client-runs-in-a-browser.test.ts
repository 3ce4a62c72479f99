import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { startStack, type Stack } from './support/stack';

/**
 * The built client (client/dist and its dependencies, unbundled) in headless Chromium: a page on
 * another origin loads it module by module, calls the gateway cross-origin (CORS preflight for
 * authorization / x-request-id), round-trips bytes without Buffer and catches a SecretsKmsError
 * with the request id it can read from the response. A Node built-in anywhere in the module graph
 * fails the load.
 */
const root = join(__dirname, '..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

let stack: Stack;
let page: Server;
let pageUrl = '';

const PAGE = (gatewayUrl: string, token: string) => `<!doctype html><html><body><pre id="out">pending</pre><script>
const modules = {};
function load(from, spec) {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/module?from=' + encodeURIComponent(from) + '&spec=' + encodeURIComponent(spec), false);
  xhr.send();
  if (xhr.status !== 200) throw new Error('cannot load ' + spec + ' from ' + from + ': ' + xhr.responseText);
  const { path, code } = JSON.parse(xhr.responseText);
  if (modules[path]) return modules[path].exports;
  const module = { exports: {} };
  modules[path] = module;
  const dir = path.slice(0, path.lastIndexOf('/'));
  new Function('require', 'module', 'exports', code + '\\n//# sourceURL=' + path)((s) => load(dir, s), module, module.exports);
  return module.exports;
}
(async () => {
  const out = {};
  try {
    out.hasBuffer = typeof Buffer !== 'undefined';
    const { createClient, SecretsKmsError } = load('client', '@secrets-kms/client');
    const client = createClient({ url: ${JSON.stringify(gatewayUrl)}, token: ${JSON.stringify(token)} });
    await client.createKmsKey({ input: { identity: 'browser', type: 'AES256_GCM96' } });
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 0]);
    const { ciphertext } = await client.encrypt({ input: { keyIdentity: 'browser', plaintext: bytes } });
    const { plaintext } = await client.decrypt({ input: { keyIdentity: 'browser', ciphertext } });
    out.isBytes = plaintext instanceof Uint8Array;
    out.roundTrip = Array.from(plaintext);
    try {
      await client.getSecretValue({ path: 'no/such' }, { requestId: 'browser-404' });
    } catch (e) {
      out.error = { isClass: e instanceof SecretsKmsError, code: e.code, status: e.status, requestId: e.requestId, message: e.message };
    }
  } catch (e) {
    out.failed = String(e && e.stack || e);
  }
  document.getElementById('out').textContent = JSON.stringify(out);
})();
</script></body></html>`;

beforeAll(async () => {
  stack = await startStack({ label: 'client-browser', kms: true, secrets: true });
  const html = PAGE(stack.gatewayUrl, stack.rootToken);
  page = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(html);
    }
    if (url.pathname === '/module') {
      // Node's own resolution, restricted to the package and node_modules; built-ins do not exist in a browser.
      const spec = url.searchParams.get('spec') ?? '';
      const from = join(root, url.searchParams.get('from') ?? '');
      try {
        if (isBuiltin(spec)) throw new Error(`Node built-in "${spec}"`);
        const file = require.resolve(spec, { paths: [from] });
        const rel = relative(root, file);
        if (rel.startsWith('..') || !(rel.startsWith('node_modules') || rel.startsWith(join('client', 'dist')))) throw new Error('outside the package');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ path: rel.split('\\').join('/'), code: readFileSync(file, 'utf8') }));
      } catch (e) {
        res.writeHead(404);
        return res.end((e as Error).message);
      }
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => page?.close(resolve));
  await stack?.stop();
});

(CHROMIUM ? test : test.skip)('headless Chromium: bytes round trip and a SecretsKmsError, cross-origin, without Buffer', async () => {
  const { stdout } = await promisify(execFile)(
    CHROMIUM!,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--virtual-time-budget=30000', '--dump-dom', pageUrl],
    { timeout: 90_000, maxBuffer: 4 * 1024 * 1024 },
  );
  const text = /<pre id="out">([\s\S]*?)<\/pre>/.exec(stdout)?.[1] ?? '';
  const out = JSON.parse(text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  expect(out).toEqual({
    hasBuffer: false,
    isBytes: true,
    roundTrip: [0, 1, 2, 250, 255, 0],
    error: {
      isClass: true,
      code: 'NOT_FOUND',
      status: 404,
      requestId: 'browser-404',
      message: expect.stringMatching(/^NOT_FOUND: .* \(request id browser-404\)$/),
    },
  });
}, 120_000);
