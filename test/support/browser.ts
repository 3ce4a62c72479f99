import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A fresh context whose every request (any page, any worker) is recorded, for "nothing from another host". */
export async function recordingContext(browser: Browser): Promise<{ context: BrowserContext; page: Page; requests: string[]; consoleErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return { context, page, requests, consoleErrors };
}

/** Requests that went anywhere but the given origins (data: URIs are no request to a host). */
export function foreignRequests(requests: string[], origins: string[]): string[] {
  return requests.filter((u) => !u.startsWith('data:') && !origins.includes(new URL(u).origin));
}

/** Screenshots go to docs/ only when UPDATE_SCREENSHOTS=1 (so a test run leaves the tree clean). */
export function screenshotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', name) : join(tmpdir(), name);
}
