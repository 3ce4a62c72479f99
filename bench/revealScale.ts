/*
 * reveal-1m: getSecretValue of one secret (created through the API) while its project stores 1k
 * secrets and while it stores 1M (seeded straight into the store, seedSecrets.ts); latency-
 * oriented, so few connections. Redis used_memory is reported; the seeded secrets are unlinked
 * afterwards.
 *
 * The p99 of a few thousand requests at c=4 moves by ±50% from one run to the next on a shared
 * machine, and a 1k-then-1M order puts every slow drift (JIT, heap, a neighbour's load) on the 1M
 * side. So the rounds run A B B A: 1k, seed, 1M, 1M, unlink back to 1k, 1k. Each row is the mean
 * of its two rounds (p50, p99, rate, CPU split); the note gives every round. Beside each round the
 * store's own reveal read (the READ_VALUE script, sequential, from this process) is timed, so a
 * Redis-side cost that grows with the keyspace shows apart from the services.
 */
import { createRedis, type RedisClient } from '../shared/redis';
import { allIndexKey, secretKeys } from '../subgraphs/secrets/store/keyLayout';
import { READ_VALUE } from '../subgraphs/secrets/store/secretScripts';
import type { Row } from './report';
import { Q } from './fixtures';
import { gqlBody, measure, type Ctx, type OurTarget } from './scenarios';
import { seedSecrets, unseedSecrets, type SeedSpec } from './seedSecrets';
import { fmt } from './report';

const SMALL = 1000;
const PROBE_CALLS = 2000;
const REHASH_WAIT_MS = 120_000;

interface Round {
  row: Row;
  /** The store's reveal script, sequential from the harness: p50 / p99 in µs. */
  probe: { p50Us: number; p99Us: number };
}

export async function revealScale(ctx: Ctx, t: OurTarget, opts: { redisUrl: string; keyPrefix: string; unprefixed: RedisClient }): Promise<void> {
  const redis = createRedis({ url: opts.redisUrl, clusterNodes: null, keyPrefix: opts.keyPrefix, commandTimeoutMs: 60_000 });
  const spec: SeedSpec = { project: t.fx.project, region: 'us-east-1', kmsKeyIdentity: t.fx.encKey, pathPrefix: 'scale/seed-' };
  const memory = async () => /used_memory_human:(\S+)/.exec(String(await opts.unprefixed.info('memory')))?.[1] ?? '?';
  const stored = async () => Number(await redis.zcard(allIndexKey(spec.project)));
  const m = {
    url: t.gatewayUrl, connections: ctx.args.latencyConcurrency,
    requests: [{ headers: { authorization: `Bearer ${t.rootToken}` }, body: gqlBody(Q.reveal, { p: t.fx.scalePath }) }],
  };
  const round = async (name: string, label: string): Promise<Round> => ({
    row: await measure(ctx, { ...m, name, label }),
    probe: await probeRead(redis, secretKeys(spec.project, t.fx.scalePath)),
  });
  const large = ctx.args.stored;
  let seeded = 0;
  let smallSeeded = 0;
  try {
    const existing = await stored();
    const toSmall = Math.max(0, SMALL - existing);
    const toLarge = Math.max(toSmall, large - existing);
    await seedSecrets(redis, spec, 0, toSmall);
    seeded = smallSeeded = toSmall;
    const small: Round[] = [await round('reveal-1k', `reveal, ${SMALL / 1000}k secrets stored`)];
    const before = await memory();
    const t0 = Date.now();
    ctx.log(`reveal-1m: seeding ${toLarge - toSmall} secrets (Redis used_memory ${before})`);
    await seedSecrets(redis, spec, toSmall, toLarge, (n) => ctx.log(`reveal-1m: ${n} seeded`));
    seeded = toLarge;
    const seconds = (Date.now() - t0) / 1000;
    const after = await memory();
    const n = await stored();
    ctx.log(`reveal-1m: ${n} secrets stored; seeded at ${fmt((toLarge - toSmall) / seconds)}/s; used_memory ${before} → ${after}`);
    const largeLabel = `reveal, ${n >= 1e6 ? `${fmt(n / 1e6, 1)}M` : n} secrets stored`;
    const settledAfterSeed = await rehashed(opts.unprefixed, ctx);
    const big: Round[] = [await round('reveal-1m', largeLabel), await round('reveal-1m', largeLabel)];
    const t1 = Date.now();
    const unlinked = await unseedSecrets(redis, spec, toSmall, toLarge);
    seeded = toSmall;
    ctx.log(`reveal-1m: unlinked ${unlinked} keys in ${fmt((Date.now() - t1) / 1000, 1)} s, back to ${await stored()} stored; used_memory ${await memory()}`);
    const settledAfterUnlink = await rehashed(opts.unprefixed, ctx);
    small.push(await round('reveal-1k', `reveal, ${SMALL / 1000}k secrets stored`));
    merge(ctx, small, `rounds 1 and 4 of 4 (A B B A around the 1M rounds; round 4 after ${settledAfterUnlink})`);
    merge(ctx, big, `rounds 2 and 3 of 4; ${n} secrets in the project (seeded straight into the store's layout, pipelined, at ${fmt((toLarge - toSmall) / seconds)} secrets/s; measured after ${settledAfterSeed}); Redis used_memory ${before} → ${after}`);
  } finally {
    const t0 = Date.now();
    const k = await unseedSecrets(redis, spec, 0, seeded).catch(() => -1);
    ctx.log(`reveal-1m: unlinked ${k} keys in ${fmt((Date.now() - t0) / 1000, 1)} s (${smallSeeded} of the 1k); used_memory ${await memory()}`);
    redis.disconnect();
  }
}

/**
 * Folds the rounds of one size into its first row (the others leave ctx.rows): the mean of their
 * rate, p50, p99 and CPU split, the sum of requests and failures; the note lists every round. A
 * failed round fails the row.
 */
function merge(ctx: Ctx, rounds: Round[], what: string): void {
  const [first, ...rest] = rounds.map((r) => r.row);
  for (const r of rest) ctx.rows.splice(ctx.rows.indexOf(r), 1);
  const rows = [first, ...rest];
  const mean = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const cpu: Record<string, number> = {};
  for (const name of new Set(rows.flatMap((r) => Object.keys(r.cpu)))) cpu[name] = mean((r) => r.cpu[name] ?? 0);
  const each = rounds.map((r, i) => `round ${i + 1}: p50 ${fmt(r.row.p50Ms)} ms, p99 ${fmt(r.row.p99Ms)} ms, ${fmt(r.row.rate)} req/s, ${r.row.requests} requests; store read p50 ${fmt(r.probe.p50Us)} µs, p99 ${fmt(r.probe.p99Us)} µs`);
  Object.assign(first, {
    rate: mean((r) => r.rate), p50Ms: mean((r) => r.p50Ms), p99Ms: mean((r) => r.p99Ms), cpu,
    requests: rows.reduce((s, r) => s + r.requests, 0), failed: rows.reduce((s, r) => s + r.failed, 0),
    error: rows.find((r) => r.error)?.error,
    note: `mean of ${what}. ${each.join('; ')}`,
  });
}

/**
 * Waits (up to REHASH_WAIT_MS) until Redis has finished rehashing its main key table: growing it
 * to 5M keys in half a minute, or unlinking them, leaves an incremental rehash that runs for tens
 * of seconds (a step per command and 1 ms of every 100 ms), the aftermath of the bulk load and not
 * the cost of a store that holds 1M secrets. Only the bench's own redis-server allows the DEBUG
 * command that shows it; elsewhere nothing is waited for. Says what it waited, for the note.
 */
async function rehashed(redis: RedisClient, ctx: Ctx): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    let stats: string;
    try {
      stats = String(await redis.call('DEBUG', 'HTSTATS', '0'));
    } catch {
      return 'no wait for the key table rehash (DEBUG not allowed on this Redis)';
    }
    const waited = fmt((Date.now() - t0) / 1000, 1);
    if (!/rehashing target/i.test(stats)) return `the key table rehash was done (waited ${waited} s)`;
    if (Date.now() - t0 > REHASH_WAIT_MS) return `the key table still rehashing after ${waited} s`;
    ctx.log('reveal-1m: waiting for Redis to finish rehashing its key table');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Times the store's reveal read of the revealed secret (READ_VALUE, its six keys), sequentially. */
async function probeRead(redis: RedisClient, keys: string[]): Promise<{ p50Us: number; p99Us: number }> {
  const us: number[] = [];
  for (let i = 0; i < PROBE_CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await redis.eval(READ_VALUE, keys.length, ...keys, '');
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  us.sort((a, b) => a - b);
  return { p50Us: us[Math.floor(us.length * 0.5)], p99Us: us[Math.floor(us.length * 0.99)] };
}
