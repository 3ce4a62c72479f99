import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { secretKeyNames } from '../subgraphs/secrets/store/secretStore';
import { LocalStack } from './support/localStack';
import { testPrefix } from './support/env';
import { RedisServerFixture } from './support/redisServer';

/**
 * A real primary and replica. With REDIS_WAIT_REPLICAS=1 a put is acknowledged only once the
 * replica has it; with the replica gone the put answers 503 STORE_UNAVAILABLE within the wait's
 * timeout instead of acknowledging a write only the primary holds; once the replica is back, puts
 * succeed again without a restart. REDIS_WAIT_AOF asks for WAITAOF, which Redis has from 7.2 on:
 * on an older Redis it cannot be honoured, so every change fails closed.
 */
let primary: RedisServerFixture;
let replica: RedisServerFixture;
const stacks: LocalStack[] = [];
beforeAll(async () => {
  primary = await new RedisServerFixture().start(() => ['--appendonly', 'yes']);
  replica = await new RedisServerFixture().start(() => ['--replicaof', '127.0.0.1', String(primary.port)]);
  expect(await replicaLinked()).toBe(true);
}, 30_000);
afterAll(async () => {
  for (const s of stacks) await s.stop();
  await replica?.stop();
  await primary?.stop();
});

function info(port: number): string {
  return spawnSync('redis-cli', ['-p', String(port), 'info', 'replication'], { encoding: 'utf8' }).stdout;
}

/** Waits (bounded) until the replica has synced and the primary counts it. */
async function replicaLinked(): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (/master_link_status:up/.test(info(replica.port)) && /connected_slaves:1/.test(info(primary.port))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function stackWith(env: Record<string, string>): Promise<LocalStack> {
  const s = await new LocalStack({ keyPrefix: testPrefix('redis-wait'), redisUrl: `redis://127.0.0.1:${primary.port}`, kms: true, secrets: true, env }).start();
  stacks.push(s);
  return s;
}

const PUT = `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`;

test('REDIS_WAIT_REPLICAS=1: a put is on the replica when acknowledged; without the replica it answers 503 in time, and recovers', async () => {
  const stack = await stackWith({ REDIS_WAIT_REPLICAS: '1' });
  const wait = stack.config().redis.waitFor!;
  expect(wait.replicas).toBe(1);
  await stack.ok(`mutation { createKmsKey(input: { identity: "wait-key", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "wait/a", kmsKeyIdentity: "wait-key" }) { path } }`);
  const onReplica = new Redis(`redis://127.0.0.1:${replica.port}`, { keyPrefix: stack.prefix });
  try {
    const ok = await stack.gql(PUT, { i: { path: 'wait/a', value: 'replicated' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data.putSecretValue.version).toBe(1);
    // Acknowledged means the replica already holds the version's ciphertext.
    expect(await onReplica.hexists(secretKeyNames('default', 'wait/a').values, '1')).toBe(1);
  } finally {
    onReplica.disconnect();
  }

  await replica.crash();
  const lonely = await stack.gql(PUT, { i: { path: 'wait/a', value: 'primary only' } });
  expect({ status: lonely.status, code: lonely.body.errors?.[0].extensions?.code }).toEqual({ status: 503, code: 'STORE_UNAVAILABLE' });
  expect(lonely.elapsedMs).toBeGreaterThanOrEqual(wait.timeoutMs - 50);
  expect(lonely.elapsedMs).toBeLessThan(stack.config().redis.commandTimeoutMs + 1000);
  // Reads wait for no replica.
  expect((await stack.gql(`{ secret(path: "wait/a") { path } }`)).status).toBe(200);

  await replica.restart();
  expect(await replicaLinked()).toBe(true);
  const again = await stack.gql(PUT, { i: { path: 'wait/a', value: 'replicated again' } });
  expect(again.status).toBe(200);
  const read = await stack.ok(`query($v: Int) { getSecretValue(path: "wait/a", version: $v) { value } }`, { v: again.body.data.putSecretValue.version });
  expect(read.getSecretValue.value).toBe('replicated again');
}, 60_000);

function redisAtLeast(major: number, minor: number): boolean {
  const m = /v=(\d+)\.(\d+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

test('REDIS_WAIT_AOF=1,0: acknowledged once fsync\'d to the primary\'s AOF (Redis ≥ 7.2); without WAITAOF every change fails closed', async () => {
  const stack = await stackWith({ REDIS_WAIT_AOF: '1,0' });
  expect(stack.config().redis.waitFor!.aof).toEqual({ local: 1, replicas: 0 });
  const r = await stack.gql(`mutation { createKmsKey(input: { identity: "aof-key", type: AES256_GCM96 }) { identity } }`);
  const answer = { status: r.status, code: r.body.errors?.[0].extensions?.code ?? null };
  // Before 7.2 WAITAOF is an unknown command: the setting cannot be honoured, so nothing is acknowledged.
  expect(answer).toEqual(redisAtLeast(7, 2) ? { status: 200, code: null } : { status: 503, code: 'STORE_UNAVAILABLE' });
});
