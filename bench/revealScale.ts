/*
 * reveal-1m: getSecretValue of one secret (created through the API) while its project stores 1k
 * secrets and while it stores 1M (seeded straight into the store, seedSecrets.ts); latency-
 * oriented, so few connections. Redis used_memory is reported; the seeded secrets are unlinked
 * afterwards.
 *
 * The p99 at c=4 is made of GC pauses in secrets, KMS and gateway (scavenges of 3-15 ms and
 * mark-compacts, stacked with queueing on two shared cores), none of which grows with the store.
 * Two things made it look as if it did. (1) While the harness seeds and waits for Redis's rehash
 * (one to two minutes) the services sat idle, V8's memory reducer shrank their heaps and left them
 * growing slowly: in the 1M rounds the old generation of secrets and KMS was collected at 25-30 MB
 * (3-7 mark-compacts per round) against 60-95 MB in the 1k rounds (1-2), with the same ~20 MB
 * live. So the stack is kept busy with a trickle of the same reveals (KEEP_BUSY_RATE, 1
 * connection) whenever it would otherwise idle between rounds. (2) A p99 of one round of a few
 * thousand requests is a few dozen samples: the rounds run A A B B B B A A (1k twice, seed, 1M
 * four times, unlink back to 1k, 1k twice), which cancels a steady drift, and each row's p50 / p99
 * come from every request of its rounds pooled (the load worker returns each latency); rate and
 * CPU split are means over the rounds. The note gives each round's p99 and the machine's other
 * CPU (the spread between rounds, and whether a neighbour was busy) and a bootstrap 95% interval
 * of the p99 ratio (the sampling noise). Beside each round the store's own reveal read (the
 * READ_VALUE script, sequential, from this process) is timed, so a Redis-side cost that grows with
 * the keyspace shows apart from the services.
 */
import { createRedis, type RedisClient } from '../shared/redis';
import { allIndexKey, secretKeys } from '../subgraphs/secrets/store/keyLayout';
import { READ_VALUE } from '../subgraphs/secrets/store/secretScripts';
import type { LoadRequest } from './loadWorker';
import type { Row } from './report';
import { Q } from './fixtures';
import { gqlBody, measure, type Ctx, type OurTarget } from './scenarios';
import { seedSecrets, unseedSecrets, type SeedSpec } from './seedSecrets';
import { fmt } from './report';
import { percentile, percentileRatioInterval } from './latencyStats';

const SMALL = 1000;
const PROBE_CALLS = 2000;
const REHASH_WAIT_MS = 120_000;
/** Rounds of each condition per block: A A (1k), B B B B (1M), A A (1k). */
const SMALL_ROUNDS = 2;
const LARGE_ROUNDS = 4;
/** Reveals per second while the harness seeds, unlinks or waits: enough allocation that V8 never sees the services idle. */
const KEEP_BUSY_RATE = 50;

interface Round {
  row: Row;
  /** Every successful request's latency in ms, ascending. */
  latencies: number[];
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
  const round = async (name: string, label: string): Promise<Round> => {
    let latencies: number[] = [];
    const row = await measure(ctx, { ...m, name, label }, (ms) => (latencies = ms.sort((a, b) => a - b)));
    return { row, latencies, probe: await probeRead(redis, secretKeys(spec.project, t.fx.scalePath)) };
  };
  const rounds = async (k: number, name: string, label: string): Promise<Round[]> => {
    const r: Round[] = [];
    for (let i = 0; i < k; i++) r.push(await round(name, label));
    return r;
  };
  const smallLabel = `reveal, ${SMALL / 1000}k secrets stored`;
  const large = ctx.args.stored;
  let seeded = 0;
  let smallSeeded = 0;
  /** Stops the trickle that keeps the stack busy while the harness seeds or waits. */
  let idle: (() => Promise<void>) | null = null;
  try {
    const existing = await stored();
    const toSmall = Math.max(0, SMALL - existing);
    const toLarge = Math.max(toSmall, large - existing);
    await seedSecrets(redis, spec, 0, toSmall);
    seeded = smallSeeded = toSmall;
    const small = await rounds(SMALL_ROUNDS, 'reveal-1k', smallLabel);
    const before = await memory();
    idle = keepBusy(ctx, m);
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
    await idle();
    idle = null;
    const big = await rounds(LARGE_ROUNDS, 'reveal-1m', largeLabel);
    idle = keepBusy(ctx, m);
    const t1 = Date.now();
    const unlinked = await unseedSecrets(redis, spec, toSmall, toLarge);
    seeded = toSmall;
    ctx.log(`reveal-1m: unlinked ${unlinked} keys in ${fmt((Date.now() - t1) / 1000, 1)} s, back to ${await stored()} stored; used_memory ${await memory()}`);
    const settledAfterUnlink = await rehashed(opts.unprefixed, ctx);
    await idle();
    idle = null;
    small.push(...(await rounds(SMALL_ROUNDS, 'reveal-1k', smallLabel)));
    const all = 2 * SMALL_ROUNDS + LARGE_ROUNDS;
    const order = `${'A '.repeat(SMALL_ROUNDS)}${'B '.repeat(LARGE_ROUNDS)}${'A '.repeat(SMALL_ROUNDS)}`.trim();
    const range = (from: number, k: number) => Array.from({ length: k }, (_, i) => from + i);
    const a = merge(ctx, small, [...range(1, SMALL_ROUNDS), ...range(all - SMALL_ROUNDS + 1, SMALL_ROUNDS)], `rounds 1-${SMALL_ROUNDS} and ${all - SMALL_ROUNDS + 1}-${all} of ${all} (${order}; the last rounds after ${settledAfterUnlink}; a trickle of ${KEEP_BUSY_RATE} reveals/s while seeding and unlinking)`);
    const b = merge(ctx, big, range(SMALL_ROUNDS + 1, LARGE_ROUNDS), `rounds ${SMALL_ROUNDS + 1}-${SMALL_ROUNDS + LARGE_ROUNDS} of ${all}; ${n} secrets in the project (seeded straight into the store's layout, pipelined, at ${fmt((toLarge - toSmall) / seconds)} secrets/s; measured after ${settledAfterSeed}); Redis used_memory ${before} → ${after}`);
    if (a.length && b.length) {
      const [lo, hi] = percentileRatioInterval(a, b, 0.99);
      big[0].row.p99RatioInterval = [lo, hi];
      big[0].row.note += `. p99 1M / 1k ${fmt(percentile(b, 0.99) / percentile(a, 0.99), 2)}×, 95% bootstrap interval ${fmt(lo, 2)}-${fmt(hi, 2)}× (requests resampled; the spread between rounds is in their p99s above)`;
    }
  } finally {
    await idle?.().catch(() => undefined);
    const t0 = Date.now();
    const k = await unseedSecrets(redis, spec, 0, seeded).catch(() => -1);
    ctx.log(`reveal-1m: unlinked ${k} keys in ${fmt((Date.now() - t0) / 1000, 1)} s (${smallSeeded} of the 1k); used_memory ${await memory()}`);
    redis.disconnect();
  }
}

/**
 * Folds the rounds of one size into its first row (the others leave ctx.rows): p50 and p99 of
 * every request of the rounds pooled, the mean of their rate and CPU split, the sum of requests
 * and failures; the note lists every round. A failed round fails the row. Returns the pooled
 * latencies, ascending (empty when a round failed).
 */
function merge(ctx: Ctx, rounds: Round[], numbers: number[], what: string): number[] {
  const [first, ...rest] = rounds.map((r) => r.row);
  for (const r of rest) ctx.rows.splice(ctx.rows.indexOf(r), 1);
  const rows = [first, ...rest];
  const mean = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const cpu: Record<string, number> = {};
  for (const name of new Set(rows.flatMap((r) => Object.keys(r.cpu)))) cpu[name] = mean((r) => r.cpu[name] ?? 0);
  const error = rows.find((r) => r.error)?.error;
  const pooled = error ? [] : rounds.flatMap((r) => r.latencies).sort((x, y) => x - y);
  const p = (l: number[], q: number) => (l.length ? percentile(l, q) : NaN);
  const each = rounds.map((r, i) => `round ${numbers[i]}: p50 ${fmt(p(r.latencies, 0.5), 1)} ms, p99 ${fmt(p(r.latencies, 0.99), 1)} ms, ${fmt(r.row.rate)} req/s, ${r.row.requests} requests, other ${fmt(r.row.cpu.other)}%; store read p50 ${fmt(r.probe.p50Us)} µs, p99 ${fmt(r.probe.p99Us)} µs`);
  const p99s = rounds.map((r) => p(r.latencies, 0.99));
  Object.assign(first, {
    rate: mean((r) => r.rate), p50Ms: p(pooled, 0.5), p99Ms: p(pooled, 0.99), cpu,
    requests: rows.reduce((s, r) => s + r.requests, 0), failed: rows.reduce((s, r) => s + r.failed, 0), error,
    note: `p50 / p99 of all ${pooled.length} requests of ${what}; round p99s ${fmt(Math.min(...p99s), 1)}-${fmt(Math.max(...p99s), 1)} ms. ${each.join('; ')}`,
  });
  return pooled;
}

/**
 * Keeps the stack busy with KEEP_BUSY_RATE reveals per second (1 connection, 1 s jobs) until the
 * returned stop is awaited, which throws if any of them failed.
 */
function keepBusy(ctx: Ctx, m: { url: string; requests: LoadRequest[] }): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      const r = await ctx.load.run({ url: m.url, requests: m.requests, connections: 1, seconds: 1, rate: KEEP_BUSY_RATE });
      if (r.failed > 0) throw new Error(`${r.failed} of ${r.requests} requests between rounds failed ${JSON.stringify(r.detail)}`);
    }
  })();
  loop.catch(() => undefined);
  return async () => {
    on = false;
    await loop;
  };
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
