import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gqlClient, postGql } from './support/gql';
import { freePorts, isListening } from './support/ports';

/** `npm start` as a user runs it: one command brings up every service; SIGTERM stops them all. */
describe('npm start', () => {
  let child: ChildProcess | null = null;
  const stateDir = mkdtempSync(join(tmpdir(), 'smk-local-'));
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves the gateway, prints URL and root token, answers viewer, and stops every service on SIGTERM', async () => {
    const [gw, platform, secrets, kms1, kms2] = await freePorts(5);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(gw),
      PLATFORM_URL: `http://127.0.0.1:${platform}/graphql`,
      SECRETS_URL: `http://127.0.0.1:${secrets}/graphql`,
      REGIONS: `us-east-1=http://127.0.0.1:${kms1}/graphql,eu-west-1=http://127.0.0.1:${kms2}/graphql,ap-southeast-2=`,
      // No secrets given: the launcher makes them on first run, mode 0600, in LOCAL_STATE_DIR.
      LOCAL_STATE_DIR: stateDir,
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}npmstart:`,
    };
    child = spawn(process.execPath, [join(__dirname, '..', 'scripts', 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    while (!/root token: /.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain(`gateway:    http://127.0.0.1:${gw}/graphql`);
    const rootToken = readFileSync(join(stateDir, 'root-token'), 'utf8').trim();
    expect(out).toContain(`root token: ${rootToken}`);
    for (const f of ['root-token', 'internal-secret', 'service-credential', 'kms-root-us-east-1.key', 'kms-root-eu-west-1.key']) {
      expect({ f, mode: (statSync(join(stateDir, f)).mode & 0o777).toString(8) }).toEqual({ f, mode: '600' });
    }
    expect(readFileSync(join(stateDir, 'kms-root-us-east-1.key'), 'utf8')).not.toEqual(readFileSync(join(stateDir, 'kms-root-eu-west-1.key'), 'utf8'));

    const { gql } = gqlClient((q, v, o) => postGql(`http://127.0.0.1:${gw}/graphql`, q, v, o), { token: rootToken });
    const res = await gql('{ viewer { project scopes } }');
    expect(res.status).toBe(200);
    expect(res.body.data.viewer).toEqual({ project: 'default', scopes: ['*'] });

    // Every service is up: a key in each KMS region, a secret bound to one, put and reveal.
    for (const region of ['us-east-1', 'eu-west-1']) {
      const k = await gql('mutation { createKmsKey(input: { identity: "launch-key", type: AES256_GCM96 }) { region status } }', {}, { region });
      expect(k.body.data.createKmsKey).toEqual({ region, status: 'ACTIVE' });
    }
    const created = await gql('mutation { createSecret(input: { path: "launch/db", kmsKeyIdentity: "launch-key", region: "eu-west-1", value: "s3cret" }) { currentVersion } }');
    expect(created.body.data.createSecret.currentVersion).toBe(1);
    const reveal = await gql('{ getSecretValue(path: "launch/db") { value } }');
    expect(reveal.body.data.getSecretValue.value).toBe('s3cret');
    const noKms = await gql('{ kmsKeys { nodes { identity } } }', {}, { region: 'ap-southeast-2' });
    expect(noKms.status).toBe(503);

    // The root token reaches only the services that authenticate callers, never the gateway
    // (read from each service process's own environment).
    const holders: Record<string, boolean> = {};
    for (const pid of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)) {
      const entry = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1];
      const name = /dist\/(?:subgraphs\/)?([a-z]+)\//.exec(entry)![1];
      const has = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((e) => e.startsWith('ROOT_TOKEN='));
      holders[name] = name in holders ? holders[name] && has : has;
    }
    expect(holders).toEqual({ gateway: false, platform: true, secrets: true, kms: true });

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const stopAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Every service stops on its own SIGTERM (the launcher's SIGKILL fallback fires only after 5 s).
    expect(Date.now() - stopAt).toBeLessThan(4000);
    for (const p of [gw, platform, secrets, kms1, kms2]) expect(await isListening(p)).toBe(false);
  }, 120_000);

  it('with Redis unreachable: exits non-zero with a message that says how to fix it', async () => {
    const [deadPort] = await freePorts(1);
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'start.js')], {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${deadPort}`, LOCAL_STATE_DIR: stateDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Redis is not reachable at redis://127.0.0.1:${deadPort}`);
    expect(r.stderr).toContain('redis-server --daemonize yes');
    expect(r.stderr).toContain('REDIS_URL');
  }, 60_000);
});
