import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';

/**
 * `smk key disable|schedule-deletion`: lists the key's bound secrets first and flags the ones
 * revealed in the last 30 days, changes nothing without --yes, lets the service refuse a key used
 * in the last 30 days (KEY_IN_USE) unless --force, and then does it.
 */
const SMK = join(__dirname, '..', 'client', 'bin', 'smk.js');

let stack: Stack;

function smk(args: string[]): Promise<{ code: number | null; out: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMK, ...args], { env: { PATH: process.env.PATH, SMK_URL: stack.gatewayUrl, SMK_TOKEN: stack.rootToken } });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, stderr }));
    child.stdin.end();
  });
}

const status = async (identity: string): Promise<string> =>
  (await stack.ok('query($i: String!) { kmsKey(identity: $i) { status } }', { i: identity })).kmsKey.status;

beforeAll(async () => {
  stack = await startStack({ label: 'cli-key-guard', kms: true, secrets: true });
  for (const identity of ['payments', 'idle']) await stack.ok('mutation($i: String!) { createKmsKey(input: { identity: $i, type: AES256_GCM96 }) { identity } }', { i: identity });
  const create = 'mutation($p: String!, $k: String!, $v: String) { createSecret(input: { path: $p, kmsKeyIdentity: $k, value: $v }) { path } }';
  await stack.ok(create, { p: 'prod/hot', k: 'payments', v: 'in use' });
  await stack.ok(create, { p: 'prod/cold', k: 'payments', v: 'stored, never revealed' });
  // No value: the idle key is bound but has never done a crypto operation.
  await stack.ok(create, { p: 'prod/idle', k: 'idle', v: null });
  await stack.ok('{ getSecretValue(path: "prod/hot") { version } }');
});
afterAll(() => stack.stop());

it('without --yes: lists the bound secrets, flags the one accessed recently, changes nothing', async () => {
  const r = await smk(['key', 'disable', 'payments']);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^key payments \(us-east-1, ACTIVE\), last used \d{4}-\d\d-\d\dT/);
  expect(r.out).toContain('2 bound secrets, 1 accessed in the last 30 days\n');
  expect(r.out).toMatch(/^prod\/hot\s+us-east-1\s+\d{4}-\S+\s+accessed in the last 30 days$/m);
  expect(r.out).toMatch(/^prod\/cold\s+us-east-1\s+never\s*$/m);
  expect(r.stderr).toBe('smk: not going to disable key payments without --yes (1 of its secrets were accessed in the last 30 days)\n');
  expect(await status('payments')).toBe('ACTIVE');

  const json = await smk(['key', 'schedule-deletion', 'payments', '--json']);
  expect(json.code).toBe(1);
  const doc = JSON.parse(json.out);
  expect(doc).toMatchObject({ applied: false, key: { identity: 'payments', status: 'ACTIVE', lastUsedAt: expect.any(String) } });
  expect(doc.boundSecrets).toEqual([
    { path: 'prod/cold', region: 'us-east-1', lastAccessedAt: null, recentlyAccessed: false },
    { path: 'prod/hot', region: 'us-east-1', lastAccessedAt: expect.any(String), recentlyAccessed: true },
  ]);
  expect(json.stderr).toMatch(/^smk: not going to schedule the deletion of key payments without --yes/);
  expect(await status('payments')).toBe('ACTIVE');
}, 30_000);

it('--yes on a key used in the last 30 days: KEY_IN_USE, and --force overrides', async () => {
  for (const args of [['key', 'disable', 'payments', '--yes'], ['key', 'schedule-deletion', 'payments', '--window-days', '7', '--yes']]) {
    const r = await smk(args);
    expect(r.code).toBe(1);
    const [failure, hint] = r.stderr.split('\n');
    expect(failure).toMatch(/^KEY_IN_USE: .+ \(request id [^)]+\)$/);
    expect(hint).toMatch(/^smk: key payments was used in the last 30 days \(last at \d{4}-\S+\); --force overrides$/);
    expect(await status('payments')).toBe('ACTIVE');
  }

  const forced = await smk(['key', 'disable', 'payments', '--yes', '--force']);
  expect({ code: forced.code, stderr: forced.stderr }).toEqual({ code: 0, stderr: '' });
  expect(forced.out).toMatch(/\nkey payments is DISABLED\n$/);
  expect(await status('payments')).toBe('DISABLED');

  const deletion = await smk(['key', 'schedule-deletion', 'payments', '--window-days', '7', '--yes', '--force']);
  expect(deletion.code).toBe(0);
  const date = /key payments is PENDING_DELETION; its material is destroyed on (\S+)\n$/.exec(deletion.out)?.[1];
  expect(Date.parse(date!) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
  expect(Date.parse(date!) - Date.now()).toBeLessThan(7.1 * 86_400_000);
}, 30_000);

it('--yes on a key not used in the last 30 days goes through without --force', async () => {
  const r = await smk(['key', 'disable', 'idle', '--yes', '--json']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const doc = JSON.parse(r.out);
  expect(doc).toMatchObject({ applied: true, key: { identity: 'idle', lastUsedAt: null }, result: { identity: 'idle', status: 'DISABLED' } });
  expect(doc.boundSecrets).toEqual([{ path: 'prod/idle', region: 'us-east-1', lastAccessedAt: null, recentlyAccessed: false }]);
  expect(await status('idle')).toBe('DISABLED');
}, 30_000);

it('an unknown key is NOT_FOUND', async () => {
  const r = await smk(['key', 'disable', 'nope', '--yes']);
  expect({ code: r.code, out: r.out, stderr: r.stderr }).toEqual({ code: 1, out: '', stderr: 'NOT_FOUND: no such key\n' });
}, 30_000);
