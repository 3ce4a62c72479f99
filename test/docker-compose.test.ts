import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { loadConfig } from '../shared/config';

/** No Docker engine here: check what we can — the file parses, and matches the services and config. */
const root = join(__dirname, '..');
const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string; build?: string; stop_grace_period?: string }>;
};

describe('docker-compose.yml is in step with the services', () => {
  it('runs every service entry point that exists in the code', () => {
    const entries = Object.values(compose.services).flatMap((s) => (s.command?.[0] === 'node' ? [s.command[1]] : []));
    const expected = ['dist/gateway/index.js', 'dist/subgraphs/platform/index.js', 'dist/subgraphs/secrets/index.js', 'dist/subgraphs/kms/index.js'];
    expect(new Set(entries)).toEqual(new Set(expected));
    for (const e of entries) {
      const src = join(root, e.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      expect({ entry: e, sourceExists: existsSync(src) }).toEqual({ entry: e, sourceExists: true });
    }
  });

  it("each service's environment is a valid configuration (with the secrets filled in)", () => {
    const secrets: Record<string, string> = {
      INTERNAL_SECRET: 'i'.repeat(40), SERVICE_CREDENTIAL: 's'.repeat(40), ROOT_TOKEN: 'r'.repeat(40),
      KMS_ROOT_KEY_US_EAST_1: Buffer.alloc(32, 1).toString('base64'), KMS_ROOT_KEY_EU_WEST_1: Buffer.alloc(32, 2).toString('base64'),
      REDIS_PASSWORD: 'a1'.repeat(32), REDIS_GATEWAY_PASSWORD: 'b2'.repeat(32),
    };
    const interpolate = (v: string) => v.replace(/\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}/g, (_, name) => secrets[name] ?? '');
    for (const [name, svc] of Object.entries(compose.services)) {
      // Our services only (Redis is an image with its own environment).
      if (!svc.environment || !svc.build) continue;
      const env = Object.fromEntries(Object.entries(svc.environment).map(([k, v]) => [k, interpolate(String(v))]));
      const config = loadConfig(env);
      expect(config.production).toBe(true);
      // The service credential lets its holder act on a caller's behalf at KMS: secrets and KMS only.
      expect({ name, hasCredential: config.serviceCredential !== null }).toEqual({ name, hasCredential: name === 'secrets' || name.startsWith('kms-') });
      // The root token goes only to the services that authenticate callers; the gateway forwards
      // the Authorization header and never needs it.
      expect({ name, hasRootToken: config.rootToken !== null }).toEqual({ name, hasRootToken: name === 'platform' || name === 'secrets' || name.startsWith('kms-') });
      // Every service logs in to Redis; the gateway as its own user, which may only PING.
      const redisUrl = new URL(config.redis.url);
      expect({ name, user: redisUrl.username, password: redisUrl.password }).toEqual(
        name === 'gateway' ? { name, user: 'gateway', password: secrets.REDIS_GATEWAY_PASSWORD } : { name, user: '', password: secrets.REDIS_PASSWORD },
      );
      // Docker sends SIGKILL after stop_grace_period (default 10 s): it must outlast the drain.
      const graceS = Number(/^(\d+)s$/.exec(svc.stop_grace_period ?? '10s')?.[1] ?? 0);
      expect({ name, outlastsDrain: graceS * 1000 > config.shutdownGraceMs }).toEqual({ name, outlastsDrain: true });
      if (name.startsWith('kms-')) {
        expect(config.region).toBe(name.slice(4));
        expect(config.kmsRootKey?.length).toBe(32);
        expect(config.regions.get(config.region!)?.kmsUrl).toBe(`http://${name}:${env.PORT}/graphql`);
      }
    }
  });

  it('has a kms service for every region with an endpoint, and Redis with AOF fsync always', () => {
    const env = compose.services.gateway.environment!;
    const regions = loadConfig({ INTERNAL_SECRET: 'i'.repeat(40), REGIONS: env.REGIONS }).regions;
    for (const r of regions.withKms()) expect(Object.keys(compose.services)).toContain(`kms-${r.name}`);
    expect(regions.get('ap-southeast-2')?.kmsUrl).toBeNull();
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--appendfsync', 'always']));
  });

  it("Redis demands a password, and the gateway's ACL user may only PING", () => {
    const cmd = compose.services.redis.command!;
    expect(cmd[cmd.indexOf('--requirepass') + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    const user = cmd.indexOf('--user');
    expect(cmd.slice(user + 1, user + 3)).toEqual(['gateway', 'on']);
    expect(cmd[user + 3]).toMatch(/^>\$\{REDIS_GATEWAY_PASSWORD:\?/);
    expect(cmd.slice(user + 4)).toEqual(['-@all', '+ping']);
  });
});
