import { execFile, spawn } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStack, type Stack } from './support/stack';

/**
 * The README's smk section is copy-paste ready: its shell block runs as written (with bash) against
 * the stack and prints what its comments promise; `npx smk` resolves from the repository root.
 */
const root = join(__dirname, '..');
const SMK = join(root, 'client', 'bin', 'smk.js');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const start = readme.indexOf('<!-- smk CLI -->');
const section = readme.slice(start, readme.indexOf('\n## ', start));
const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'cli-readme', kms: true, secrets: true });
});
afterAll(() => stack.stop());

it('`npx smk` runs the workspace bin from the root (an executable file)', async () => {
  expect(statSync(SMK).mode & 0o111).toBe(0o111);
  expect(realpathSync(join(root, 'node_modules', '.bin', 'smk'))).toBe(realpathSync(SMK));
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'smk', '--help'], { cwd: root });
  expect(stdout).toContain('usage: smk <command>');
}, 30_000);

it('the README\'s smk commands run as written and print what the comments say', async () => {
  expect(script).toContain('smk run --env DB_PASSWORD=prod/db/password');
  // The stack listens on a free port, and `npx` would only add a second node start per command.
  const adapted = script
    .replace('http://127.0.0.1:4000/graphql', stack.gatewayUrl)
    .replace(/^smk\(\) \{ npx smk "\$@"; \}.*$/m, `smk() { '${process.execPath}' '${SMK}' "$@"; }`);
  expect(adapted).not.toBe(script);
  const r = await new Promise<{ code: number | null; out: string; stderr: string }>((resolve) => {
    const bash = spawn('bash', ['--norc', '--noprofile', '-c', adapted], { cwd: root, env: { PATH: process.env.PATH, ROOT_TOKEN: stack.rootToken } });
    let out = '';
    let stderr = '';
    bash.stdout.on('data', (c: Buffer) => (out += c));
    bash.stderr.on('data', (c: Buffer) => (stderr += c));
    bash.on('close', (code) => resolve({ code, out, stderr }));
  });
  const lines = r.out.split('\n');
  expect(lines).toContain('created key payments (AES256_GCM96) in us-east-1');
  expect(lines).toContain('created secret prod/db/password in us-east-1, bound to key payments');
  expect(r.out).toContain('put prod/db/password: version 1');
  // `secret get` adds no newline off a terminal: the value runs into the next output.
  expect(r.out).toMatch(/\ns3cr3t\[\n/);
  expect(lines).toContain('injected');
  expect(lines).toContain('round-trip');
  expect(r.out).toMatch(/\nround-trip\ns3cr3tTIME\s+ACTION/);
  expect(r.out).toContain('1 bound secret, 1 accessed in the last 30 days');
  expect(lines).toContain('key payments is DISABLED');
  // The two refusals the comments announce, and no other failure.
  expect(r.stderr.split('\n').filter(Boolean)).toEqual([
    expect.stringMatching(/^created token \S+ \(ci\); it is shown only this once$/),
    'smk: not going to disable key payments without --yes (1 of its secrets were accessed in the last 30 days)',
    expect.stringMatching(/^KEY_IN_USE: .+ \(request id [^)]+\)$/),
    expect.stringMatching(/^smk: key payments was used in the last 30 days \(last at \S+\); --force overrides$/),
  ]);
  expect(r.code).toBe(0);
}, 60_000);
