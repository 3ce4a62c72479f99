#!/usr/bin/env node
/*
 * `npm start`: build if needed, check Redis, start every service as its own process (gateway,
 * platform, secrets, one kms per region with an endpoint), print the gateway URL and root token,
 * and stop them all on Ctrl-C / SIGTERM. Plain JS so it can run before the TypeScript build.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '..');
// Development secrets live here (git-ignored); LOCAL_STATE_DIR moves them (tests use a temp dir).
const localDir = process.env.LOCAL_STATE_DIR ? path.resolve(process.env.LOCAL_STATE_DIR) : path.join(root, '.local');

function log(msg) {
  process.stdout.write(`[start] ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`[start] ${msg}\n`);
  process.exit(1);
}

function build() {
  log('building (tsc -b)…');
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('build failed');
}

/** Local secrets for development, created once with mode 0600 and never committed (.local/ is git-ignored). */
function localSecret(name, make) {
  fs.mkdirSync(localDir, { recursive: true, mode: 0o700 });
  const file = path.join(localDir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, make(), { mode: 0o600 });
  return { file, value: fs.readFileSync(file, 'utf8').trim() };
}

function checkRedis(url) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const sock = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(/^\+PONG|^-NOAUTH/.test(d.toString())));
  });
}

async function main() {
  build();
  const { loadConfig } = require(path.join(root, 'dist/shared/config.js'));
  const env = { ...process.env };
  env.INTERNAL_SECRET = env.INTERNAL_SECRET || localSecret('internal-secret', () => randomBytes(32).toString('base64url')).value;
  // Only the secrets service and the KMS get the service credential (it lets a caller act on any
  // project's behalf at KMS); the gateway and platform never see it.
  const serviceCredential = env.SERVICE_CREDENTIAL || localSecret('service-credential', () => randomBytes(32).toString('base64url')).value;
  delete env.SERVICE_CREDENTIAL;
  // Likewise the root token goes only to the services that authenticate callers (platform,
  // secrets, KMS): the gateway forwards the Authorization header and never needs it.
  const rootToken = env.ROOT_TOKEN || localSecret('root-token', () => `root_${randomBytes(32).toString('base64url')}`).value;
  delete env.ROOT_TOKEN;
  let config;
  try {
    config = loadConfig({ ...env, ROOT_TOKEN: rootToken });
  } catch (e) {
    fail(e.message);
  }
  if (!config.redis.clusterNodes && !(await checkRedis(config.redis.url))) {
    fail(
      `Redis is not reachable at ${config.redis.url}.\n` +
        '  Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379\n' +
        '  or point REDIS_URL (or REDIS_CLUSTER_NODES) at yours.',
    );
  }

  const services = [
    { name: 'platform', entry: 'dist/subgraphs/platform/index.js', env: { PORT: String(new URL(config.platformUrl).port || 80), ROOT_TOKEN: rootToken } },
  ];
  if (fs.existsSync(path.join(root, 'dist/subgraphs/secrets/index.js'))) {
    services.push({ name: 'secrets', entry: 'dist/subgraphs/secrets/index.js', env: { PORT: String(new URL(config.secretsUrl).port || 80), ROOT_TOKEN: rootToken, SERVICE_CREDENTIAL: serviceCredential } });
  }
  if (fs.existsSync(path.join(root, 'dist/subgraphs/kms/index.js'))) {
    for (const region of config.regions.withKms()) {
      const u = new URL(region.kmsUrl);
      if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) continue; // remote region: not ours to start
      const keyFile = env.KMS_ROOT_KEY ? null : localSecret(`kms-root-${region.name}.key`, () => randomBytes(32).toString('base64')).file;
      services.push({
        name: `kms-${region.name}`,
        entry: 'dist/subgraphs/kms/index.js',
        env: { PORT: u.port || '80', REGION: region.name, ROOT_TOKEN: rootToken, SERVICE_CREDENTIAL: serviceCredential, ...(keyFile ? { KMS_ROOT_KEY_FILE: keyFile } : {}) },
      });
    }
  }
  services.push({ name: 'gateway', entry: 'dist/gateway/index.js', env: { PORT: String(config.port ?? 4000) } });

  const children = [];
  let stopping = false;
  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    const t = setTimeout(() => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      process.exit(code);
    }, 5000);
    t.unref();
    Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  for (const s of services) {
    const child = spawn(process.execPath, [path.join(root, s.entry)], {
      cwd: root,
      env: { ...env, ...s.env, PORT: s.env.PORT },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`[start] ${s.name} exited (${signal ?? code}); stopping the stack\n`);
        stopAll(1);
      }
    });
    children.push(child);
  }

  const port = config.port ?? 4000;
  const gatewayUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  for (let i = 0; i < 100 && !stopping; i++) {
    try {
      const r = await fetch(`${gatewayUrl}/health/ready`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (stopping) return;
  log(`gateway:    ${gatewayUrl}/graphql`);
  log(`root token: ${rootToken}`);
  log(`try: curl -s ${gatewayUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer ${rootToken}" -d '{"query":"{ viewer { project scopes } }"}'`);
  log('Ctrl-C stops everything.');
}

main().catch((e) => fail(e.stack || String(e)));
