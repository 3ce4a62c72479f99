import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';

/**
 * The smk CLI as a user runs it: `node client/bin/smk.js …` in a child process (the built dist),
 * configured by SMK_URL / SMK_TOKEN, against the whole stack.
 */
const SMK = join(__dirname, '..', 'client', 'bin', 'smk.js');

interface SmkResult {
  code: number | null;
  stdout: Buffer;
  out: string;
  stderr: string;
}

let stack: Stack;
let dir: string;

function smk(args: string[], opts: { token?: string | null; input?: string | Buffer; env?: Record<string, string> } = {}): Promise<SmkResult> {
  const token = opts.token === undefined ? stack.rootToken : opts.token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMK, ...args], {
      env: { PATH: process.env.PATH, SMK_URL: stack.gatewayUrl, ...(token === null ? {} : { SMK_TOKEN: token }), ...opts.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), out: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(opts.input);
  });
}

/** Runs smk expecting success; its stdout as text. */
async function ok(args: string[], opts: Parameters<typeof smk>[1] = {}): Promise<string> {
  const r = await smk(args, opts);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
  return r.out;
}

async function json<T = any>(args: string[], opts: Parameters<typeof smk>[1] = {}): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], opts)) as T;
}

/** A failure line as smk prints it, and no stack trace. */
const FAILURE_LINE = /^[A-Z_]+: .+ \(request id [^)]+\)\n$/;
const STACK_TRACE = /\n\s+at /;

beforeAll(async () => {
  stack = await startStack({ label: 'cli', kms: true, secrets: true });
  dir = mkdtempSync(join(tmpdir(), 'smk-cli-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stack.stop();
});

describe('keys', () => {
  it('create, list, rotate and enable a key; --json gives the key', async () => {
    expect(await ok(['key', 'create', 'payments', '--type', 'aes256_gcm96', '--description', 'card data'])).toBe('created key payments (AES256_GCM96) in us-east-1\n');
    const mac = await json(['key', 'create', 'signing', '--type', 'HMAC_SHA256']);
    expect(mac).toMatchObject({ identity: 'signing', type: 'HMAC_SHA256', purpose: 'GENERATE_VERIFY_MAC', status: 'ACTIVE', region: 'us-east-1' });
    // Flags win over SMK_REGION.
    const eu = await json(['key', 'create', 'eu-key', '--type', 'AES256_GCM96', '--region', 'eu-west-1'], { env: { SMK_REGION: 'us-east-1' } });
    expect(eu.region).toBe('eu-west-1');

    const listed = await json<Array<{ identity: string }>>(['key', 'list']);
    expect(listed.map((k) => k.identity).sort()).toEqual(['payments', 'signing']);
    expect((await json<Array<{ identity: string }>>(['key', 'list'], { env: { SMK_REGION: 'eu-west-1' } })).map((k) => k.identity)).toEqual(['eu-key']);
    const table = await ok(['key', 'list', '--status', 'active']);
    expect(table.split('\n')[0]).toMatch(/^IDENTITY\s+REGION\s+TYPE\s+STATUS\s+VERSION$/);
    expect(table).toMatch(/^payments\s+us-east-1\s+AES256_GCM96\s+ACTIVE\s+1$/m);

    expect(await ok(['key', 'rotate', 'payments'])).toBe('rotated key payments: latest version 2\n');
    expect((await json(['key', 'rotate', 'payments'])).latestVersion).toBe(3);

    await stack.ok('mutation { disableKmsKey(identity: "signing") { status } }');
    expect(await ok(['key', 'enable', 'signing'])).toBe('key signing is ACTIVE\n');
  }, 60_000);
});

describe('secrets', () => {
  it('create; put from --value, --file and stdin; get prints exactly the value; list all pages; versions', async () => {
    expect(await ok(['secret', 'create', 'prod/db/password', '--key', 'payments', '--description', 'primary db'])).toBe(
      'created secret prod/db/password in us-east-1, bound to key payments\n',
    );
    const eu = await json(['secret', 'create', 'eu/api-key', '--key', 'eu-key', '--region', 'eu-west-1']);
    expect(eu).toMatchObject({ path: 'eu/api-key', region: 'eu-west-1', kmsKeyIdentity: 'eu-key', kmsKey: { status: 'ACTIVE' } });

    expect(await ok(['secret', 'put', 'prod/db/password', '--value', 's3cr3t'])).toBe('put prod/db/password: version 1 (key version 3)\n');
    const file = join(dir, 'value.txt');
    writeFileSync(file, 'line one\nline two\n');
    expect((await json(['secret', 'put', 'prod/db/password', '--file', file])).version).toBe(2);
    expect(await ok(['secret', 'put', 'prod/db/password', '--expected-version', '2'], { input: 'from stdin ✓' })).toMatch(/: version 3 /);

    // Not a terminal: exactly the value, no newline added.
    expect((await smk(['secret', 'get', 'prod/db/password'])).stdout.toString('utf8')).toBe('from stdin ✓');
    expect(await ok(['secret', 'get', 'prod/db/password', '--version', '2'])).toBe('line one\nline two\n');
    expect(await json(['secret', 'get', 'prod/db/password', '--version', '1'])).toMatchObject({ path: 'prod/db/password', version: 1, value: 's3cr3t' });

    // More than one page (the API's page is 50).
    await Promise.all(
      Array.from({ length: 55 }, (_, i) =>
        stack.ok('mutation($p: String!) { createSecret(input: { path: $p, kmsKeyIdentity: "payments" }) { path } }', { p: `bulk/s${String(i).padStart(2, '0')}` }),
      ),
    );
    const bulk = await json<Array<{ path: string; kmsKey: { status: string } }>>(['secret', 'list', '--prefix', 'bulk']);
    expect(bulk.map((s) => s.path)).toEqual(Array.from({ length: 55 }, (_, i) => `bulk/s${String(i).padStart(2, '0')}`));
    expect(bulk[0].kmsKey.status).toBe('ACTIVE');
    const table = await ok(['secret', 'list', '--prefix', 'prod']);
    expect(table).toMatch(/^PATH\s+REGION\s+KEY\s+KEY STATUS\s+VERSION\nprod\/db\/password\s+us-east-1\s+payments\s+ACTIVE\s+3\n$/);

    const versions = await json<Array<{ version: number; state: string; kmsKeyVersion: number }>>(['secret', 'versions', 'prod/db/password']);
    expect(versions.map((v) => [v.version, v.state, v.kmsKeyVersion])).toEqual([[3, 'ENABLED', 3], [2, 'ENABLED', 3], [1, 'ENABLED', 3]]);
    expect((await ok(['secret', 'versions', 'prod/db/password'])).split('\n')[0]).toMatch(/^VERSION\s+STATE\s+KEY VERSION\s+CREATED$/);
  }, 90_000);

  it('on a terminal, get ends the value with a newline', async () => {
    // util-linux `script` runs smk on a pseudo-terminal (which shows "\n" as "\r\n").
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', `'${process.execPath}' '${SMK}' secret get prod/db/password`, '/dev/null'], {
        env: { PATH: process.env.PATH, SMK_URL: stack.gatewayUrl, SMK_TOKEN: stack.rootToken },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
      child.stdin.end();
    });
    expect(r).toEqual({ code: 0, out: 'from stdin ✓\r\n' });
  }, 30_000);

  it('refuses a value that is not UTF-8 text, and a put with a stale --expected-version', async () => {
    const r = await smk(['secret', 'put', 'prod/db/password'], { input: Buffer.from([0xff, 0xfe, 0x00]) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^smk: the value from stdin is not valid UTF-8/);
    const stale = await smk(['secret', 'put', 'prod/db/password', '--value', 'x', '--expected-version', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(FAILURE_LINE);
    expect(stale.stderr).toMatch(/^VERSION_CONFLICT: /);
  }, 30_000);
});

describe('encrypt and decrypt', () => {
  it('round-trips arbitrary bytes through a shell pipe', async () => {
    const plain = Buffer.concat([Buffer.from([0, 0xff, 0x0a, 0x0d, 0x80]), randomBytes(4096)]);
    const input = join(dir, 'plain.bin');
    const output = join(dir, 'round-trip.bin');
    writeFileSync(input, plain);
    const smkCmd = `'${process.execPath}' '${SMK}'`;
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const sh = spawn('/bin/sh', ['-c', `${smkCmd} encrypt --key payments --aad order-7 < '${input}' | ${smkCmd} decrypt --key payments --aad order-7 > '${output}'`], {
        env: { PATH: process.env.PATH, SMK_URL: stack.gatewayUrl, SMK_TOKEN: stack.rootToken },
      });
      let stderr = '';
      sh.stderr.on('data', (c: Buffer) => (stderr += c));
      sh.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(output).equals(plain)).toBe(true);
  }, 30_000);

  it('encrypt prints the ciphertext line; --json; a wrong --aad fails with INVALID_CIPHERTEXT', async () => {
    const line = await ok(['encrypt', '--key', 'payments'], { input: 'hello' });
    expect(line).toMatch(/^kms:v3:[A-Za-z0-9+/=]+\n$/);
    expect(await json(['encrypt', '--key', 'payments'], { input: 'hello' })).toMatchObject({ keyIdentity: 'payments', keyVersion: 3, ciphertext: expect.stringMatching(/^kms:v3:/) });
    expect(await json(['decrypt', '--key', 'payments'], { input: line })).toEqual({ keyIdentity: 'payments', keyVersion: 3, plaintext: Buffer.from('hello').toString('base64') });
    const bad = await smk(['decrypt', '--key', 'payments', '--aad', 'other'], { input: line });
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.stderr).toMatch(FAILURE_LINE);
    expect(bad.stderr).toMatch(/^INVALID_CIPHERTEXT: /);
  }, 30_000);
});

describe('tokens', () => {
  it('create prints the token once and it works; list; revoke makes it fail with UNAUTHENTICATED', async () => {
    const created = await smk(['token', 'create', '--name', 'ci', '--scopes', 'secrets:read,secrets:read_value', '--path-prefixes', 'prod', '--expires-in-days', '7']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^smk_[^\s]+\n$/);
    const token = created.out.trim();
    expect(created.stderr).not.toContain(token);
    expect(await ok(['secret', 'get', 'prod/db/password'], { token })).toBe('from stdin ✓');

    const viaJson = await json(['token', 'create', '--name', 'deploy', '--scopes', 'kms:read']);
    expect(viaJson).toMatchObject({ token: expect.stringMatching(/^smk_/), info: { name: 'deploy', scopes: ['kms:read'], revoked: false } });

    const tokens = await json<Array<{ id: string; name: string; scopes: string[]; pathPrefixes: string[] | null; expiresAt: string | null }>>(['token', 'list']);
    const ci = tokens.find((t) => t.name === 'ci')!;
    expect(ci).toMatchObject({ scopes: ['secrets:read', 'secrets:read_value'], pathPrefixes: ['prod'], expiresAt: expect.any(String) });
    const table = await ok(['token', 'list']);
    expect(table).toMatch(new RegExp(`^${ci.id}\\s+ci\\s+secrets:read,secrets:read_value\\s+prod\\s`, 'm'));
    expect(table).not.toContain(token);

    expect(await ok(['token', 'revoke', ci.id])).toBe(`revoked token ${ci.id}\n`);
    expect(await json(['token', 'revoke', viaJson.info.id])).toEqual({ id: viaJson.info.id, revoked: true });
    const denied = await smk(['secret', 'get', 'prod/db/password'], { token });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(FAILURE_LINE);
    expect(denied.stderr).toMatch(/^UNAUTHENTICATED: /);
  }, 60_000);
});

describe('audit', () => {
  it('filters by resource, action, request id and actor, newest first, up to --limit', async () => {
    const reveals = await json<Array<{ action: string; resource: string; requestId: string; actor: string }>>(['audit', '--resource', 'secret:prod/db/password', '--action', 'secrets.get_value']);
    expect(reveals.length).toBeGreaterThanOrEqual(4);
    expect(new Set(reveals.map((e) => `${e.action} ${e.resource}`))).toEqual(new Set(['secrets.get_value secret:prod/db/password']));

    const one = await json<Array<{ action: string; via: string | null; requestId: string }>>(['audit', '--request-id', reveals[0].requestId]);
    expect(one.map((e) => `${e.action} ${e.via}`).sort()).toEqual(['kms.decrypt secrets', 'secrets.get_value null']);

    const byActor = await json<Array<{ actor: string }>>(['audit', '--actor', reveals[0].actor]);
    expect(byActor.length).toBeGreaterThanOrEqual(2);
    expect(new Set(byActor.map((e) => e.actor))).toEqual(new Set([reveals[0].actor]));
    expect(await json<unknown[]>(['audit', '--resource', 'secret:prod/db/password', '--limit', '3'])).toHaveLength(3);
    const table = await ok(['audit', '--request-id', reveals[0].requestId]);
    expect(table.split('\n')[0]).toMatch(/^TIME\s+ACTION\s+OUTCOME\s+ACTOR\s+VIA\s+RESOURCE\s+REQUEST ID\s+ERROR$/);
    expect(table).toContain('secrets.get_value');
  }, 30_000);
});

describe('failures and usage errors', () => {
  it('an API failure prints CODE: message (request id …) on stderr, nothing on stdout, exit 1', async () => {
    const r = await smk(['secret', 'get', 'no/such/secret']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.stderr).toMatch(FAILURE_LINE);
    expect(r.stderr).toMatch(/^NOT_FOUND: /);
    // The request id is the one the service logged for that call.
    const requestId = /\(request id ([^)]+)\)/.exec(r.stderr)![1];
    const denied = await json<Array<{ action: string; errorCode: string | null }>>(['audit', '--request-id', requestId]);
    expect(denied.map((e) => [e.action, e.errorCode])).toEqual([['secrets.get_value', 'NOT_FOUND']]);

    const versions = await smk(['secret', 'versions', 'no/such/secret', '--json']);
    expect({ code: versions.code, out: versions.out, stderr: versions.stderr }).toEqual({ code: 1, out: '', stderr: 'NOT_FOUND: no such secret\n' });
  }, 30_000);

  it('an unreachable gateway is NETWORK_ERROR, without a stack trace', async () => {
    const r = await smk(['key', 'list'], { env: { SMK_URL: 'http://127.0.0.1:9/graphql' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^NETWORK_ERROR: /);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  }, 30_000);

  it.each([
    [['secret', 'get'], 'missing <path>', 'smk secret get <path> [--version N]'],
    [['secret', 'get', 'a', 'b'], 'unexpected argument: b', 'smk secret get <path> [--version N]'],
    [['secret', 'get', 'a', '--bogus'], 'unknown option --bogus', 'smk secret get <path> [--version N]'],
    [['secret', 'get', 'a', '--version'], 'option --version needs a value', 'smk secret get <path> [--version N]'],
    [['secret', 'get', 'a', '--version', 'two'], '--version must be a whole number ≥ 1', 'smk secret get <path> [--version N]'],
    [['secret', 'create', 'a'], '--key is required', 'smk secret create <path> --key <identity> [--region R] [--description D]'],
    [['secret', 'put', 'a', '--value', 'v', '--file', 'f'], 'give --value or --file, not both', 'smk secret put <path> (--value V | --file F | stdin)'],
    [['key', 'create', 'k', '--type', 'DES'], '--type must be one of AES128_GCM96, AES256_GCM96', 'smk key create <identity> --type T [--description D]'],
    [['key', 'disable'], 'missing <identity>', 'smk key disable <identity> [--yes] [--force]'],
    [['key', 'schedule-deletion', 'k', '--window-days', '0'], '--window-days must be a whole number ≥ 1', 'smk key schedule-deletion <identity> [--window-days N] [--yes] [--force]'],
    [['encrypt'], '--key is required', 'smk encrypt --key K [--aad A] < plaintext > ciphertext'],
    [['audit', '--limit', '-1'], 'option --limit needs a value', 'smk audit [--request-id R] [--resource X] [--actor A] [--action A] [--limit N]'],
    [['token', 'create', '--name', 'x'], '--scopes is required', 'smk token create --name N --scopes a,b [--path-prefixes p,q] [--expires-in-days N]'],
    [['token', 'revoke'], 'missing <id>', 'smk token revoke <id>'],
    [['run', '--env', 'A=p'], 'give the command to run after --', 'smk run --env NAME=<path> [--env …] -- <command> [args…]'],
    [['run', '--env', '1A=p', '--', 'true'], '--env 1A=p: expected NAME=<path>', 'smk run --env NAME=<path> [--env …] -- <command> [args…]'],
    [['run', '--', 'true'], 'give at least one --env NAME=<path>', 'smk run --env NAME=<path> [--env …] -- <command> [args…]'],
  ])('smk %j is a usage error: %s', async (args, problem, usage) => {
    const r = await smk(args, { input: '' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.stderr).toContain(`smk: ${problem}`);
    expect(r.stderr).toContain(`usage: ${usage}\n`);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('an unknown command, a group without its command, and a missing token are usage errors too', async () => {
    const unknown = await smk(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^smk: unknown command: smk frobnicate\n/);
    const group = await smk(['secret']);
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/^smk: smk secret needs a command\n/);
    expect(group.stderr).toContain('smk secret get <path> [--version N]');
    const noToken = await smk(['key', 'list'], { token: null });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^smk: no token: set SMK_TOKEN or pass --token\nusage: smk key list/);
  }, 30_000);

  it('--help: the global help lists every command; each command has its own', async () => {
    const global = await ok(['--help'], { token: null });
    for (const line of [
      'smk secret create <path> --key <identity> [--region R] [--description D]',
      'smk secret put <path> (--value V | --file F | stdin)',
      'smk secret get <path> [--version N]',
      'smk secret list [--prefix P]',
      'smk secret versions <path>',
      'smk key create <identity> --type T',
      'smk key list',
      'smk key rotate <identity>',
      'smk key enable <identity>',
      'smk key disable <identity>',
      'smk key schedule-deletion <identity>',
      'smk encrypt --key K',
      'smk decrypt --key K',
      'smk audit [--request-id R] [--resource X] [--actor A]',
      'smk token create --name N --scopes a,b',
      'smk token list',
      'smk token revoke <id>',
      'smk run --env NAME=<path> [--env …] -- <command> [args…]',
      'SMK_URL', 'SMK_TOKEN', 'SMK_REGION', '--json',
    ]) {
      expect(global).toContain(line);
    }
    const get = await ok(['secret', 'get', '--help'], { token: null });
    expect(get).toMatch(/^usage: smk secret get <path> \[--version N\]\n/);
    expect(get).toContain('--version N');
    expect(await ok(['help', 'secret', 'get'], { token: null })).toBe(get);
    expect(await ok(['key', '--help'], { token: null })).toContain('smk key schedule-deletion <identity>');
  }, 30_000);
});
