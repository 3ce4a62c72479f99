/*
 * Our stack as in production (scripts/start.js): one process per service, each from its
 * production entry in dist/ (gateway, platform, secrets, kms us-east-1, kms eu-west-1), on
 * 127.0.0.1 free ports, NODE_ENV production, LOG_LEVEL silent, rate limits and quotas far above
 * the load, all under the run's `bench:<random>:` Redis prefix. The access log is on, as in
 * production, and written to /dev/null (its cost is measured, its lines are not printed).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { forkService, freePorts, stopProc, waitReady, type Proc } from './procs';

export const REGIONS = ['us-east-1', 'eu-west-1'] as const;

export interface OurStack {
  procs: Proc[];
  gatewayUrl: string;
  rootToken: string;
  stop(): Promise<void>;
}

const dist = (rel: string) => path.join(__dirname, '..', rel);

export async function startOurStack(opts: { keyPrefix: string; redisUrl: string; execArgv?: string[]; env?: Record<string, string> }): Promise<OurStack> {
  const [gwPort, platformPort, secretsPort, ...kmsPorts] = await freePorts(2 + 1 + REGIONS.length);
  const rootToken = `root_${randomBytes(32).toString('base64url')}`;
  const serviceCredential = randomBytes(32).toString('base64url');
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    APOLLO_TELEMETRY_DISABLED: '1',
    HOST: '127.0.0.1',
    REDIS_URL: opts.redisUrl,
    REDIS_KEY_PREFIX: opts.keyPrefix,
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    REGIONS: REGIONS.map((r, i) => `${r}=${url(kmsPorts[i])}/graphql`).join(','),
    PLATFORM_URL: `${url(platformPort)}/graphql`,
    SECRETS_URL: `${url(secretsPort)}/graphql`,
    // Far above what the load sends: the limiter's Redis work is measured, no 429 skews the numbers.
    RATE_LIMIT_TOKEN_PER_MINUTE: '100000000',
    RATE_LIMIT_PROJECT_PER_MINUTE: '100000000',
    // The reveal-at-1M scenario stores a million secrets in one project.
    QUOTA_SECRETS: '100000000',
  };
  const base = { ...process.env, ...common, ...opts.env } as Record<string, string>;
  const services: { name: string; entry: string; port: number; env: Record<string, string> }[] = [
    ...REGIONS.map((region, i) => ({
      name: `kms-${region}`, entry: 'subgraphs/kms/index.js', port: kmsPorts[i],
      env: { REGION: region, ROOT_TOKEN: rootToken, SERVICE_CREDENTIAL: serviceCredential, KMS_ROOT_KEY: randomBytes(32).toString('base64') },
    })),
    { name: 'secrets', entry: 'subgraphs/secrets/index.js', port: secretsPort, env: { ROOT_TOKEN: rootToken, SERVICE_CREDENTIAL: serviceCredential } },
    { name: 'platform', entry: 'subgraphs/platform/index.js', port: platformPort, env: { ROOT_TOKEN: rootToken } },
    // The gateway forwards the Authorization header and never authenticates: no root token, no service credential.
    { name: 'gateway', entry: 'gateway/index.js', port: gwPort, env: {} },
  ];
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all([...procs].reverse().map((p) => stopProc(p)));
  };
  try {
    for (const s of services) {
      const env: Record<string, string> = { ...base, ...s.env, PORT: String(s.port) };
      if (s.name === 'gateway') {
        delete env.ROOT_TOKEN;
        delete env.SERVICE_CREDENTIAL;
      }
      procs.push(forkService(s.name, dist(s.entry), env, opts.execArgv));
    }
    await Promise.all(procs.map((p, i) => waitReady(p, url(services[i].port))));
  } catch (err) {
    await stop();
    throw err;
  }
  return { procs, gatewayUrl: `${url(gwPort)}/graphql`, rootToken, stop };
}
