import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './support/ports';

/** `npm start` builds the console and serves it and the explorer from the gateway it launches. */
let child: ChildProcess | null = null;
const stateDir = mkdtempSync(join(tmpdir(), 'smk-console-'));
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

it('serves /console with its compiled scripts and /explorer with GraphiQL', async () => {
  const [gw, platform, secrets, kms1, kms2] = await freePorts(5);
  child = spawn(process.execPath, [join(__dirname, '..', 'scripts', 'start.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(gw),
      PLATFORM_URL: `http://127.0.0.1:${platform}/graphql`,
      SECRETS_URL: `http://127.0.0.1:${secrets}/graphql`,
      REGIONS: `us-east-1=http://127.0.0.1:${kms1}/graphql,eu-west-1=http://127.0.0.1:${kms2}/graphql,ap-southeast-2=`,
      LOCAL_STATE_DIR: stateDir,
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}npmstart-console:`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 90_000;
  while (!/root token: /.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  expect(out).toContain('root token: ');

  const base = `http://127.0.0.1:${gw}`;
  for (const [path, type] of [
    ['/console', 'text/html'],
    ['/console/js/main.js', 'text/javascript'],
    ['/console/console.css', 'text/css'],
    ['/explorer', 'text/html'],
    ['/explorer/explorer.js', 'text/javascript'],
    ['/explorer/graphiql.min.js', 'text/javascript'],
  ]) {
    const r = await fetch(base + path);
    expect({ path, status: r.status, type: r.headers.get('content-type')?.split(';')[0] }).toEqual({ path, status: 200, type });
  }
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 120_000);
