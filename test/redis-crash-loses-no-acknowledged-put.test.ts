import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { secretKeyNames } from '../subgraphs/secrets/store/secretStore';
import { LocalStack } from './support/localStack';
import { testPrefix } from './support/env';
import { RedisServerFixture } from './support/redisServer';

/**
 * Redis with `appendonly yes` / `appendfsync always` is killed with SIGKILL in the middle of a
 * stream of concurrent puts through the gateway, then started again on the same port and
 * directory (it replays its AOF). What a user relies on:
 * - every put that was answered with a version reads back with that version and its value;
 * - a put that was not answered is whole or absent (no version without its ciphertext, no
 *   secret in the listing without its record, no unexplained gap in the numbering);
 * - while Redis is down every request fails fast with 503 STORE_UNAVAILABLE;
 * - the services come back by themselves once Redis is back.
 */
const SECRETS = 20;
const TOTAL = 1000;
const IN_FLIGHT = 50;
const CRASH_AFTER_ACKED = 400;
/** Requests answered during the outage before Redis is started again. */
const OUTAGE_ANSWERS = 100;
/**
 * Redis's deadline stays at its default; the gateway's and the KMS calls' are generous, so that
 * neither cuts off a put slowed by 50 in flight on a busy machine, nor one in flight at the crash
 * whose remaining commands each wait out Redis's deadline: every failure is Redis's own answer.
 */
const ENV = { SUBGRAPH_TIMEOUT_MS: '10000', KMS_TIMEOUT_MS: '7500', REDIS_COMMAND_TIMEOUT_MS: '1000' };

let redis: RedisServerFixture;
let stack: LocalStack;
beforeAll(async () => {
  redis = await new RedisServerFixture().start(() => ['--appendonly', 'yes', '--appendfsync', 'always']);
  stack = await new LocalStack({ keyPrefix: testPrefix('redis-crash'), redisUrl: `redis://127.0.0.1:${redis.port}`, kms: true, secrets: true, env: ENV }).start();
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

const paths = Array.from({ length: SECRETS }, (_, i) => `crash/s${i}`);
const PUT = `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`;

interface Sent {
  path: string;
  value: string;
  startedAt: number;
  status: number;
  code: string | null;
  version: number | null;
  elapsedMs: number;
}

/** Waits for `cond` (checked every 20 ms) up to `ms`; false if it never held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function put(path: string, value: string): Promise<Sent> {
  const startedAt = Date.now();
  try {
    const r = await stack.gql(PUT, { i: { path, value } });
    const version = r.status === 200 && !r.body.errors ? (r.body.data.putSecretValue.version as number) : null;
    return { path, value, startedAt, status: r.status, code: r.body.errors?.[0]?.extensions?.code ?? null, version, elapsedMs: r.elapsedMs };
  } catch {
    // No answer at all (connection reset): unacknowledged, and shown as status 0.
    return { path, value, startedAt, status: 0, code: null, version: null, elapsedMs: Date.now() - startedAt };
  }
}

/** Runs fn over items with at most `n` in flight. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

test('kill -9 of an AOF-always Redis mid-stream loses no acknowledged put and leaves no half-written one', async () => {
  await stack.ok(`mutation { createKmsKey(input: { identity: "crash-key", type: AES256_GCM96 }) { identity } }`);
  for (const path of paths) await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'crash-key' } });

  const sent: Sent[] = [];
  let issued = 0;
  let stop = false;
  let crashedAt = Infinity;
  let restartedAt = Infinity;
  const workers = Array.from({ length: IN_FLIGHT }, async () => {
    while (!stop) {
      const n = issued++;
      sent.push(await put(paths[n % SECRETS], `value-${n}-${randomBytes(6).toString('hex')}`));
    }
  });
  const acked = () => sent.filter((s) => s.version !== null).length;
  const answeredDuringOutage = () => sent.filter((s) => s.startedAt > crashedAt && s.startedAt + s.elapsedMs < restartedAt).length;
  const ackedAfterRestart = () => sent.filter((s) => s.startedAt > restartedAt && s.version !== null).length;

  try {
    expect(await until(() => acked() >= CRASH_AFTER_ACKED, 40_000)).toBe(true);
    await redis.crash();
    crashedAt = Date.now();
    // Keep sending while it is down: what do users see during the outage?
    expect(await until(() => answeredDuringOutage() >= OUTAGE_ANSWERS, 15_000)).toBe(true);
    await redis.restart();
    restartedAt = Date.now();
    // The same processes recover (reconnect) by themselves, within a bounded wait.
    expect(await until(() => ackedAfterRestart() >= IN_FLIGHT, 15_000)).toBe(true);
    expect(await until(() => sent.length >= TOTAL, 40_000)).toBe(true);
  } finally {
    stop = true;
    await Promise.all(workers);
  }

  // During the outage: fast 503 STORE_UNAVAILABLE, never a 500 and never a hang.
  const outage = sent.filter((s) => s.startedAt > crashedAt && s.startedAt + s.elapsedMs < restartedAt);
  const outageAnswers = outage.map((s) => `${s.status} ${s.code}`);
  expect([...new Set(outageAnswers)]).toEqual(['503 STORE_UNAVAILABLE']);
  const commandTimeoutMs = stack.config().redis.commandTimeoutMs;
  expect(Math.max(...outage.map((s) => s.elapsedMs))).toBeLessThan(commandTimeoutMs + 1500);
  // Requests in flight at the crash may fail too, but only as unavailable (or, for a reply lost
  // with the connection and resent, a conflict on its own reservation).
  for (const s of sent.filter((x) => x.version === null)) expect(`${s.status} ${s.code}`).toMatch(/^(503 STORE_UNAVAILABLE|409 VERSION_CONFLICT)$/);

  // Read back every secret's state from the restarted Redis.
  const listing = (await stack.ok(`{ secrets(first: 200) { nodes { path } } }`)).secrets.nodes.map((n: any) => n.path).sort();
  expect(listing).toEqual([...paths].sort());
  const raw = new Redis(`redis://127.0.0.1:${redis.port}`, { keyPrefix: stack.prefix });
  const reveals: { path: string; version: number }[] = [];
  try {
    for (const path of paths) {
      let after: string | null = null;
      const states = new Map<number, string>();
      let currentVersion = 0;
      do {
        const s: any = (await stack.ok(`query($p: String!, $a: String) { secret(path: $p) { path currentVersion versions(first: 100, after: $a) { nodes { version state } pageInfo { endCursor hasNextPage } } } }`, { p: path, a: after })).secret;
        expect(s.path).toBe(path); // no index entry without its secret
        currentVersion = s.currentVersion ?? 0;
        for (const n of s.versions.nodes) states.set(n.version, n.state);
        after = s.versions.pageInfo.hasNextPage ? s.versions.pageInfo.endCursor : null;
      } while (after);
      const enabled = [...states].filter(([, st]) => st === 'ENABLED').map(([v]) => v);
      // currentVersion is the highest committed version.
      expect({ path, currentVersion }).toEqual({ path, currentVersion: Math.max(0, ...enabled) });
      // A number is either a version (ENABLED, or DESTROYED: a reservation given back), or still
      // reserved by a put the crash interrupted (given back as DESTROYED when it expires).
      const pending = new Set(Object.keys(await raw.hgetall(secretKeyNames('default', path).pending)).map(Number));
      const top = Math.max(0, ...states.keys(), ...pending);
      for (let v = 1; v <= top; v++) {
        const st = states.get(v);
        expect({ path, v, st: st ?? (pending.has(v) ? 'PENDING' : 'GAP') }).toEqual({ path, v, st: st === 'ENABLED' ? 'ENABLED' : pending.has(v) ? 'PENDING' : 'DESTROYED' });
      }
      for (const v of enabled) reveals.push({ path, version: v });
    }
  } finally {
    raw.disconnect();
  }

  // Every ENABLED version has its ciphertext: it reveals, to a value a put sent to that secret.
  const revealed = await pool(reveals, 20, async ({ path, version }) => {
    const r = await stack.gql(`query($p: String!, $v: Int) { getSecretValue(path: $p, version: $v) { version value } }`, { p: path, v: version });
    return { path, version, status: r.status, value: r.body.data?.getSecretValue?.value as string | undefined };
  });
  const valueAt = new Map(revealed.map((r) => [`${r.path}#${r.version}`, r]));
  for (const r of revealed) expect({ ...r, value: r.status }).toEqual({ ...r, value: 200 });
  const sentValues = new Map(sent.map((s) => [s.value, s.path]));
  for (const r of revealed) expect(sentValues.get(r.value!)).toBe(r.path);
  expect(new Set(revealed.map((r) => r.value)).size).toBe(revealed.length);

  // Every acknowledged put reads back with its version and value.
  const ackedPuts = sent.filter((s) => s.version !== null);
  const lost = ackedPuts.filter((s) => valueAt.get(`${s.path}#${s.version}`)?.value !== s.value);
  expect(lost.map((s) => `${s.path}#${s.version}`)).toEqual([]);

  // What the run measured (also a check that it exercised the crash).
  expect(ackedPuts.length).toBeGreaterThan(CRASH_AFTER_ACKED + IN_FLIGHT);
  expect(outage.length).toBeGreaterThanOrEqual(OUTAGE_ANSWERS);
  console.log(JSON.stringify({
    sent: sent.length,
    acknowledged: ackedPuts.length,
    unacknowledgedCommitted: revealed.length - ackedPuts.length,
    outageAnswers: outage.length,
    outageMaxMs: Math.max(...outage.map((s) => s.elapsedMs)),
    recoveryMs: Math.min(...sent.filter((s) => s.startedAt > restartedAt && s.version !== null).map((s) => s.startedAt + s.elapsedMs)) - restartedAt,
  }));
}, 120_000);
