import type { Browser } from 'playwright-core';
import { foreignRequests, launchChromium, recordingContext, screenshotPath } from './support/browser';
import { startStack, type Stack } from './support/stack';

/**
 * /explorer is GraphiQL from the product's own files: it loads with the network limited to the
 * gateway, its headers editor carries the console session's token, and `{ viewer { id } }` runs.
 */
let stack: Stack;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  stack = await startStack({ label: 'explorer' });
  origin = new URL(stack.gatewayUrl).origin;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('loads GraphiQL from the gateway only and runs { viewer { id } } with the token pre-filled', async () => {
  const { context, page, requests, consoleErrors } = await recordingContext(browser);
  // The console's session: the token is in this tab's sessionStorage.
  await page.goto(`${origin}/console`);
  await page.evaluate((t) => (globalThis as any).sessionStorage.setItem('console.token', t), stack.rootToken);
  await page.goto(`${origin}/explorer`);

  const editor = page.locator('.graphiql-container');
  await editor.waitFor();
  // The headers editor shows the bearer token.
  await page.getByText('Headers', { exact: true }).first().waitFor();
  const headersText = await page.locator('.graphiql-editor-tool .CodeMirror').last().evaluate((el) => (el as any).CodeMirror.getValue());
  expect(JSON.parse(headersText)).toEqual({ authorization: `Bearer ${stack.rootToken}` });

  // Replace the query and run it.
  await page.locator('.graphiql-query-editor .CodeMirror').evaluate((el) => (el as any).CodeMirror.setValue('{ viewer { id } }'));
  const answer = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('viewer { id }'));
  await page.locator('.graphiql-execute-button').click();
  expect((await answer).status()).toBe(200);
  await page.locator('.result-window').getByText('"root"').waitFor();

  await page.screenshot({ path: screenshotPath('explorer.png') });
  expect(foreignRequests(requests, [origin])).toEqual([]);
  // The token stays out of localStorage (GraphiQL's storage is in memory here).
  expect(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }))).not.toContain(stack.rootToken);
  // No CSP violation, no failed load.
  expect(consoleErrors).toEqual([]);
  await context.close();
});

it("GraphiQL's stylesheet embeds its fonts and images: no url() or @import pointing elsewhere", async () => {
  const css = await (await fetch(`${origin}/explorer/graphiql.min.css`)).text();
  expect(css.length).toBeGreaterThan(10_000);
  expect(css).not.toMatch(/@import/);
  expect(css.match(/url\((?!["']?data:)[^)]*\)/g) ?? []).toEqual([]);
});

it.each([
  ['production', '', 404],
  ['production', 'true', 200],
  ['development', 'false', 404],
])('NODE_ENV=%s INTROSPECTION="%s": /explorer answers %i; the console is served either way', async (NODE_ENV, INTROSPECTION, status) => {
  const env: Record<string, string> = { NODE_ENV, ...(INTROSPECTION ? { INTROSPECTION } : {}) };
  const other = await startStack({ label: 'explorer-gate', serviceEnv: { gateway: env } });
  try {
    const base = new URL(other.gatewayUrl).origin;
    expect((await fetch(`${base}/explorer`)).status).toBe(status);
    expect((await fetch(`${base}/explorer/graphiql.min.js`)).status).toBe(status);
    expect((await fetch(`${base}/console`)).status).toBe(200);
  } finally {
    await other.stop();
  }
});
