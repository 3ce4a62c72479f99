import type { Browser, Page } from 'playwright-core';
import { SecretStore, newSecretUid } from '../subgraphs/secrets/store/secretStore';
import { foreignRequests, launchChromium, recordingContext, screenshotPath } from './support/browser';
import { startStack, type Stack } from './support/stack';

/**
 * The console in Chromium against the real stack: sign in → create a key → create a secret → put →
 * reveal (the audited note) → disable the key (the confirmation names the recently used secret;
 * the guarded request answers KEY_IN_USE) → disable anyway → the secret row warns → enable → the
 * warning is gone. A secret in a region without KMS shows the region marker instead. Nothing is
 * requested from any host but the gateway.
 */
let stack: Stack;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  stack = await startStack({ label: 'console-flow', kms: true, secrets: true });
  origin = new URL(stack.gatewayUrl).origin;
  // A secret in ap-southeast-2, which has no KMS: createSecret there answers 503, so write it
  // through the store as it would exist after the region lost its KMS.
  await new SecretStore(stack.services.get('secrets')!.redis).createSecret({
    project: 'default', path: 'ap/legacy', region: 'ap-southeast-2', kmsKeyIdentity: 'ap-key', description: null, tags: [], maxVersions: 10, uid: newSecretUid(),
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const PATH = 'app/db-password';

async function signIn(page: Page): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('API token').fill(stack.rootToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#secrets-results').waitFor();
}

/** Waits for what the API reports (not for time): the state the next step depends on. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const keyRow = (page: Page) => page.locator('#keys-table tr[data-identity="console-key"]');
const secretRow = (page: Page, path = PATH) => page.locator(`#secrets-table tr[data-path="${path}"]`);

it('click-through: put, audited reveal, guarded disable naming the secret, warning, enable', async () => {
  const { context, page, requests, consoleErrors } = await recordingContext(browser);
  // A controllable clock (starting now) shows the 30 s hide without waiting 30 s.
  await page.clock.install();
  await signIn(page);
  expect(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }))).not.toContain(stack.rootToken);

  // Create a key in the default region.
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page.getByLabel('Identity').fill('console-key');
  await page.getByLabel('Type').selectOption('AES256_GCM96');
  await page.getByRole('button', { name: 'Create key' }).click();
  await keyRow(page).getByText('ACTIVE').waitFor();

  // Create a secret bound to it, then put a value.
  await page.goto(`${origin}/console#/secret-new`);
  await page.getByLabel('Path').fill(PATH);
  await page.getByLabel(/KMS key/).fill('console-key');
  await page.getByRole('button', { name: 'Create secret' }).click();
  await page.getByRole('heading', { name: PATH }).waitFor();
  await page.getByLabel('New value', { exact: true }).fill('s3cr3t-value');
  await page.getByRole('button', { name: 'Put new value' }).click();
  await page.locator('#versions tr[data-version="1"]').getByText('ENABLED').waitFor();

  // Reveal: behind a click, with the audited note; hidden again after 30 s.
  await expect(page.locator('#reveal-note').textContent()).resolves.toContain('Revealing is audited');
  await expect(page.locator('#revealed').textContent()).resolves.toBe('');
  await page.getByRole('button', { name: 'Reveal current value' }).click();
  await page.locator('#revealed', { hasText: 's3cr3t-value' }).waitFor();
  await page.clock.fastForward(31_000);
  await page.locator('#revealed:empty').waitFor({ state: 'attached' });

  // The secret's audit link lists the reveal.
  await page.locator('#secret-audit').click();
  await page.locator('#audit-table').getByText('secrets.get_value').first().waitFor();

  // The API has recorded the use (written off the hot path): wait for it, not for time.
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  await until('the reveal to count as recent use', async () => {
    const d = await stack.ok(`query($s: String!) { kmsKey(identity: "console-key") { lastUsedAt boundSecretCount(accessedSince: $s) } }`, { s: since });
    return d.kmsKey.lastUsedAt !== null && d.kmsKey.boundSecretCount === 1;
  });

  // Disable: the dialog names the recently used secret; focus is inside; Escape closes it.
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await keyRow(page).getByRole('button', { name: 'Disable' }).click();
  const confirm = page.getByRole('dialog', { name: /Disable key “console-key”/ });
  await confirm.waitFor();
  await expect(confirm.locator('li.recent').textContent()).resolves.toMatch(new RegExp(`${PATH}.*accessed in the last 30 days`));
  expect(await page.evaluate(() => (globalThis as any).document.activeElement?.closest('dialog') !== null)).toBe(true);
  await page.screenshot({ path: screenshotPath('console-key-disable-confirmation.png') });
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  expect((await stack.ok(`{ kmsKey(identity: "console-key") { status } }`)).kmsKey.status).toBe('ACTIVE');

  // Confirm: the guarded request (ifUnusedSinceDays: 30) is refused with KEY_IN_USE and its request id.
  await keyRow(page).getByRole('button', { name: 'Disable' }).click();
  await confirm.getByRole('button', { name: 'Disable key' }).click();
  const inUse = page.getByRole('dialog', { name: /is in use/ });
  await inUse.waitFor();
  await expect(inUse.locator('.error').getAttribute('data-code')).resolves.toBe('KEY_IN_USE');
  await expect(inUse.locator('.request-id code').textContent()).resolves.toMatch(/\S{8,}/);
  await expect(inUse.textContent()).resolves.toContain(PATH);
  expect((await stack.ok(`{ kmsKey(identity: "console-key") { status } }`)).kmsKey.status).toBe('ACTIVE');

  // Disable anyway: sent without the guard.
  await inUse.getByRole('button', { name: 'Disable anyway' }).click();
  await keyRow(page).getByText('DISABLED').waitFor();
  expect((await stack.ok(`{ kmsKey(identity: "console-key") { status } }`)).kmsKey.status).toBe('DISABLED');

  // The secrets list warns on that row, with the status and what it breaks.
  await page.getByRole('link', { name: 'Secrets', exact: true }).click();
  const row = secretRow(page);
  await row.waitFor();
  await expect(row.getAttribute('class')).resolves.toContain('row-warning');
  await expect(row.locator('.warning').textContent()).resolves.toBe('⚠ Key DISABLED: values cannot be read or written.');
  await page.screenshot({ path: screenshotPath('console-secrets-warning.png') });

  // A reveal now fails with the code, its fix and the request id.
  await row.getByRole('link', { name: PATH }).click();
  await page.getByRole('button', { name: 'Reveal current value' }).click();
  const error = page.locator('.messages .error');
  await expect(error.getAttribute('data-code')).resolves.toBe('KMS_KEY_NOT_ACTIVE');
  await expect(error.textContent()).resolves.toContain('enable the key');
  await expect(error.locator('.request-id code').textContent()).resolves.toMatch(/\S{8,}/);

  // Enable: the warning is gone.
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await keyRow(page).getByRole('button', { name: 'Enable' }).click();
  await keyRow(page).getByText('ACTIVE').waitFor();
  await page.getByRole('link', { name: 'Secrets', exact: true }).click();
  await secretRow(page).getByText('ACTIVE').waitFor();
  expect(await secretRow(page).locator('.warning').count()).toBe(0);
  await expect(secretRow(page).getAttribute('class')).resolves.not.toContain('row-warning');

  // Sign out clears the token from the tab.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor();
  expect(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).sessionStorage }))).not.toContain(stack.rootToken);

  expect(foreignRequests(requests, [origin])).toEqual([]);
  expect(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  await context.close();
}, 60_000);

it('a secret in a region without KMS shows the "region unavailable" marker, not a key warning', async () => {
  const { context, page, requests } = await recordingContext(browser);
  await signIn(page);
  const row = secretRow(page, 'ap/legacy');
  await row.waitFor();
  await expect(row.getAttribute('class')).resolves.toContain('row-region-unavailable');
  await expect(row.locator('.badge').textContent()).resolves.toBe('REGION UNAVAILABLE');
  await expect(row.locator('.region-note').textContent()).resolves.toContain('ap-southeast-2');
  expect(await row.locator('.warning').count()).toBe(0);
  // The row error is shown on the row only; the page has no error box for it.
  expect(await page.locator('#secrets-results > .error').count()).toBe(0);
  expect(foreignRequests(requests, [origin])).toEqual([]);
  await context.close();
});
