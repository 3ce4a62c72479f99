import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { foreignRequests, launchChromium, recordingContext } from './support/browser';
import { startStack, type Stack } from './support/stack';

/**
 * A frontend on another origin (http://localhost:<port>, the gateway being at 127.0.0.1) calls
 * /graphql from Chromium: an origin in CORS_ORIGINS gets its answer and can read x-request-id;
 * any other origin is refused by the browser.
 */
let stack: Stack;
let browser: Browser;
let gateway: string;
const pages: Server[] = [];
let allowed: string;
let other: string;

/** A tiny site of its own: one empty HTML page. */
async function site(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>frontend</title><p>another origin</p>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pages.push(server);
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  allowed = await site();
  other = await site();
  stack = await startStack({ label: 'console-cors', serviceEnv: { gateway: { CORS_ORIGINS: allowed } } });
  gateway = new URL(stack.gatewayUrl).origin;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  for (const s of pages) await new Promise((r) => s.close(r));
});

/** What the page's own script sees when it POSTs { viewer { id } } with a bearer token and x-region. */
function callFromPage(page: Page) {
  return page.evaluate(
    async ({ url, token }) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-region': 'us-east-1', 'x-request-id': 'cors-call-1' },
          body: JSON.stringify({ query: '{ viewer { id } }' }),
        });
        return { ok: true, status: res.status, requestId: res.headers.get('x-request-id'), body: await res.json() };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    },
    { url: stack.gatewayUrl, token: stack.rootToken },
  );
}

it('an allowed origin calls /graphql with CORS and reads the answer and its request id', async () => {
  const { context, page, requests } = await recordingContext(browser);
  await page.goto(`${allowed}/`);
  expect(new URL(page.url()).origin).not.toBe(gateway);
  expect(await callFromPage(page)).toEqual({ ok: true, status: 200, requestId: 'cors-call-1', body: { data: { viewer: { id: 'root' } } } });
  expect(foreignRequests(requests, [allowed, gateway])).toEqual([]);
  await context.close();
});

it('an origin not in CORS_ORIGINS is refused by the browser', async () => {
  const { context, page, requests } = await recordingContext(browser);
  await page.goto(`${other}/`);
  const r = await callFromPage(page);
  expect(r.ok).toBe(false);
  expect(r.error).toMatch(/Failed to fetch/);
  expect(foreignRequests(requests, [other, gateway])).toEqual([]);
  await context.close();
});
