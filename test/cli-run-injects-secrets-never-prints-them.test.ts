import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';

/**
 * `smk run --env NAME=<path> -- <command>`: the command sees the secrets' values in its
 * environment, inherits stdio and gives smk its exit code, and smk's own output never holds a
 * value: neither when all goes well, nor when the command fails, nor when smk fails.
 */
const SMK = join(__dirname, '..', 'client', 'bin', 'smk.js');

let stack: Stack;
let dir: string;
// Distinctive, multi-line values: a leak of any part of them would show.
const DB_PASSWORD = `db-${randomBytes(16).toString('hex')}\nsecond line`;
const API_KEY = `api-${randomBytes(16).toString('hex')}`;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  stderr: string;
}

function smk(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMK, ...args], { env: { PATH: process.env.PATH, SMK_URL: stack.gatewayUrl, SMK_TOKEN: stack.rootToken } });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, stderr }));
    child.stdin.end(input);
  });
}

/** smk's whole output (its own and the child's passed-through stdio) holds no part of a value. */
function expectNoValues(r: Result): void {
  for (const value of [DB_PASSWORD, API_KEY]) {
    for (const part of [value, ...value.split('\n')]) {
      expect(r.out).not.toContain(part);
      expect(r.stderr).not.toContain(part);
    }
  }
}

/** A child that writes what it saw into `file` (the values and their hashes) and then exits with `exit`. */
function child(file: string, exit = 0): string[] {
  const script = `
    const fs = require('fs'), crypto = require('crypto');
    const seen = {};
    for (const n of ['DB_PASSWORD', 'API_KEY']) seen[n] = { value: process.env[n], sha256: crypto.createHash('sha256').update(process.env[n] ?? '').digest('hex') };
    seen.smkTokenPassedOn = 'SMK_TOKEN' in process.env;
    fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify(seen));
    process.stdout.write('child stdout: hello\\n');
    process.stderr.write('child stderr: sha256 ' + seen.DB_PASSWORD.sha256 + '\\n');
    process.exit(${exit});`;
  return [process.execPath, '-e', script];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const envArgs = ['--env', 'DB_PASSWORD=prod/db/password', '--env', 'API_KEY=prod/api-key'];

beforeAll(async () => {
  stack = await startStack({ label: 'cli-run', kms: true, secrets: true });
  dir = mkdtempSync(join(tmpdir(), 'smk-run-'));
  await stack.ok('mutation { createKmsKey(input: { identity: "app", type: AES256_GCM96 }) { identity } }');
  for (const [path, value] of [['prod/db/password', DB_PASSWORD], ['prod/api-key', API_KEY]]) {
    await stack.ok('mutation($p: String!, $v: String!) { createSecret(input: { path: $p, kmsKeyIdentity: "app", value: $v }) { path } }', { p: path, v: value });
  }
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stack.stop();
});

it('the command sees the values; its stdio passes through; smk prints no value', async () => {
  const seenFile = join(dir, 'ok.json');
  const r = await smk(['run', ...envArgs, '--', ...child(seenFile)]);
  expect(r.code).toBe(0);
  const seen = JSON.parse(readFileSync(seenFile, 'utf8'));
  // The command gets its secrets but not smk's own credential.
  expect(seen).toEqual({ DB_PASSWORD: { value: DB_PASSWORD, sha256: sha256(DB_PASSWORD) }, API_KEY: { value: API_KEY, sha256: sha256(API_KEY) }, smkTokenPassedOn: false });
  expect(r.out).toBe('child stdout: hello\n');
  expect(r.stderr).toBe(`child stderr: sha256 ${sha256(DB_PASSWORD)}\n`);
  expectNoValues(r);
}, 30_000);

it('a failing command: smk exits with its code and still prints no value', async () => {
  const seenFile = join(dir, 'fail.json');
  const r = await smk(['run', '--json', ...envArgs, '--', ...child(seenFile, 7)]);
  expect(r.code).toBe(7);
  expect(JSON.parse(readFileSync(seenFile, 'utf8')).API_KEY.value).toBe(API_KEY);
  expect(r.out).toBe('child stdout: hello\n');
  expectNoValues(r);
}, 30_000);

it('the command gets stdin, its own flags (--help, --json) and a signal exit as 128 + signal', async () => {
  const script = 'process.stderr.write(JSON.stringify(process.argv.slice(1))); process.stdin.pipe(process.stdout)';
  const echo = await smk(['run', '--env', 'API_KEY=prod/api-key', '--', process.execPath, '-e', script, '--', '--help', '--json'], 'piped input\n');
  expect({ code: echo.code, out: echo.out, stderr: echo.stderr }).toEqual({ code: 0, out: 'piped input\n', stderr: '["--help","--json"]' });
  const killed = await smk(['run', '--env', 'API_KEY=prod/api-key', '--', process.execPath, '-e', 'process.kill(process.pid, "SIGTERM")']);
  expect(killed.code).toBe(128 + 15);
  expectNoValues(killed);
}, 30_000);

it('a missing secret: smk names the --env, runs nothing and prints no value of the others', async () => {
  const seenFile = join(dir, 'missing.json');
  const r = await smk(['run', ...envArgs, '--env', 'TOKEN=prod/missing', '--', ...child(seenFile)]);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.stderr).toMatch(/^NOT_FOUND: .+ \(--env TOKEN=prod\/missing\)\n$/);
  expect(existsSync(seenFile)).toBe(false);
  expectNoValues(r);
}, 30_000);

it('a key that is not active, and a command that does not exist: failures without values', async () => {
  const missingCommand = await smk(['run', ...envArgs, '--', 'no-such-command-smk-test']);
  expect({ code: missingCommand.code, stderr: missingCommand.stderr }).toEqual({ code: 127, stderr: 'smk: cannot run no-such-command-smk-test: ENOENT\n' });
  expectNoValues(missingCommand);

  await stack.ok('mutation { disableKmsKey(identity: "app") { status } }');
  const seenFile = join(dir, 'disabled.json');
  const r = await smk(['run', ...envArgs, '--', ...child(seenFile)]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^KMS_KEY_NOT_ACTIVE: .+ \(--env DB_PASSWORD=prod\/db\/password\)\n$/);
  expect(existsSync(seenFile)).toBe(false);
  expectNoValues(r);
}, 30_000);
