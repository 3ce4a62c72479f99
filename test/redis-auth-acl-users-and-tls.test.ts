import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { failure } from './support/gql';
import { LocalStack } from './support/localStack';
import { RedisClusterFixture } from './support/redisCluster';
import { redisHasTls, RedisServerFixture } from './support/redisServer';

/**
 * The stack against a Redis that demands credentials: every service connects with its ACL user
 * (the gateway's may only PING), and without them they stay up but answer "not ready" and
 * STORE_UNAVAILABLE rather than anything else.
 */
const SERVICE_PW = 'svc-pw-0123456789abcdef';
const GATEWAY_PW = 'gw-pw-0123456789abcdef';
const DEFAULT_PW = 'default-pw-0123456789abcdef';
const CREATE_KEY = 'mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }';
const PUT = 'mutation { createSecret(input: { path: "app/db", kmsKeyIdentity: "k", value: "hunter2" }) { path } }';
const REVEAL = 'query { getSecretValue(path: "app/db") { value } }';

const readyOf = async (url: string) => (await fetch(url.replace(/\/graphql$/, '/health/ready'))).status;

async function putAndReveal(stack: LocalStack): Promise<void> {
  await stack.ok(CREATE_KEY);
  await stack.ok(PUT);
  expect((await stack.ok(REVEAL)).getSecretValue.value).toBe('hunter2');
}

describe('Redis with requirepass and ACL users', () => {
  const server = new RedisServerFixture();
  beforeAll(async () => {
    await server.start(() => [
      '--requirepass', DEFAULT_PW,
      '--user', 'svc', 'on', `>${SERVICE_PW}`, '~*', '&*', '+@all',
      // What the gateway needs for /health/ready, and nothing else.
      '--user', 'gateway', 'on', `>${GATEWAY_PW}`, '-@all', '+ping',
    ], { cliArgs: ['-a', DEFAULT_PW, '--no-auth-warning'] });
  });
  afterAll(async () => server.stop());
  const url = (user: string | null, pw: string | null) => `redis://${user !== null || pw !== null ? `${user ?? ''}:${pw ?? ''}@` : ''}127.0.0.1:${server.port}`;

  it('services connect with their users: a put and a reveal work, every service is ready', async () => {
    const stack = new LocalStack({ keyPrefix: 'acl:', redisUrl: url('svc', SERVICE_PW), redisUrls: { gateway: url('gateway', GATEWAY_PW) }, kms: true, secrets: true });
    await stack.start();
    try {
      await putAndReveal(stack);
      for (const [name, r] of stack.running) expect({ name, ready: await readyOf(r.url) }).toEqual({ name, ready: 200 });
    } finally {
      await stack.stop();
    }
  });

  it("the gateway's user can PING and nothing more", async () => {
    const gw = new Redis(url('gateway', GATEWAY_PW), { maxRetriesPerRequest: 1, enableReadyCheck: false });
    try {
      expect(await gw.ping()).toBe('PONG');
      for (const cmd of [() => gw.get('acl:auth:token:{x}'), () => gw.set('x', '1'), () => gw.keys('*'), () => gw.hgetall('x')]) {
        await expect(cmd()).rejects.toThrow(/NOPERM/);
      }
    } finally {
      gw.disconnect();
    }
  });

  it('the REDIS_USERNAME / REDIS_PASSWORD variables do the same as credentials in the URL', async () => {
    const stack = new LocalStack({ keyPrefix: 'acl-vars:', redisUrl: url(null, null), env: { REDIS_USERNAME: 'svc', REDIS_PASSWORD: SERVICE_PW }, secrets: true, kms: true });
    await stack.start();
    try {
      await putAndReveal(stack);
    } finally {
      await stack.stop();
    }
  });

  it('without credentials, or with a wrong password: not ready (503) and STORE_UNAVAILABLE, never served', async () => {
    for (const redisUrl of [url(null, null), url('svc', 'wrong-password-0123456789')]) {
      const stack = new LocalStack({ keyPrefix: 'acl-none:', redisUrl, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
      await stack.start();
      try {
        for (const [name, r] of stack.running) expect({ redisUrl, name, ready: await readyOf(r.url) }).toEqual({ redisUrl, name, ready: 503 });
        expect({ redisUrl, ...failure(await stack.gql('{ apiTokens { id } }')) }).toMatchObject({ redisUrl, status: 503, code: 'STORE_UNAVAILABLE' });
      } finally {
        await stack.stop();
      }
    }
  });
});

describe('a Redis Cluster with a password (REDIS_CLUSTER_NODES + REDIS_PASSWORD)', () => {
  const cluster = new RedisClusterFixture({ password: DEFAULT_PW });
  beforeAll(async () => {
    await cluster.start();
  }, 60_000);
  afterAll(async () => cluster.stop());

  it('with the password: put and reveal; without it: not ready', async () => {
    const stack = new LocalStack({ keyPrefix: 'cl-auth:', env: { REDIS_CLUSTER_NODES: cluster.nodesSpec, REDIS_PASSWORD: DEFAULT_PW }, kms: true, secrets: true });
    await stack.start();
    try {
      await putAndReveal(stack);
    } finally {
      await stack.stop();
    }
    const without = new LocalStack({ keyPrefix: 'cl-noauth:', env: { REDIS_CLUSTER_NODES: cluster.nodesSpec, REDIS_COMMAND_TIMEOUT_MS: '300' } });
    await without.start();
    try {
      expect(await readyOf(without.running.get('platform')!.url)).toBe(503);
    } finally {
      await without.stop();
    }
  });
});

(redisHasTls() ? describe : describe.skip)('Redis over TLS (rediss://, REDIS_TLS_CA_FILE)', () => {
  const server = new RedisServerFixture();
  let caFile = '';
  beforeAll(async () => {
    caFile = join(server.dir, 'cert.pem');
    const keyFile = join(server.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    await server.start(() => ['--tls-cert-file', caFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no', '--requirepass', DEFAULT_PW], {
      tls: true, cliArgs: ['--tls', '--cacert', caFile, '-a', DEFAULT_PW, '--no-auth-warning'],
    });
  });
  afterAll(async () => server.stop());
  const url = () => `rediss://:${DEFAULT_PW}@127.0.0.1:${server.port}`;

  it('with the CA: put and reveal work over TLS', async () => {
    const stack = new LocalStack({ keyPrefix: 'tls:', redisUrl: url(), env: { REDIS_TLS_CA_FILE: caFile }, kms: true, secrets: true });
    await stack.start();
    try {
      await putAndReveal(stack);
    } finally {
      await stack.stop();
    }
  });

  it("without it the server's certificate is not trusted: not ready", async () => {
    const stack = new LocalStack({ keyPrefix: 'tls-noca:', redisUrl: url(), env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    await stack.start();
    try {
      expect(await readyOf(stack.running.get('platform')!.url)).toBe(503);
    } finally {
      await stack.stop();
    }
  });
});
