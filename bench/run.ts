/*
 * `npm run bench`: one run, one table, bench/results/latest.md (+ latest.json).
 *
 * First the federation floor, each in its own process: (a) a bare @apollo/server subgraph doing
 * one Redis HMGET + one AES-256-GCM encrypt, (b) stock @apollo/gateway in front of it, (c) the
 * same with a keep-alive agent. Then our stack, one process per service as in production. Load
 * comes from a separate process (autocannon, fixed concurrency); every response is checked;
 * CPU time of every process is sampled per scenario. Targets (issue 12) are judged as measured;
 * a miss is reported with its CPU split. The run exits non-zero only when a scenario had errors.
 *
 * Redis is a private redis-server on a free port (no persistence), started for the run and killed
 * after it: on a shared Redis another client's work (a prefix SCAN walks every key, 5M more with
 * reveal-1m) stalls every request and lands in the p99s. `--shared-redis` uses the one at
 * REDIS_URL (default 127.0.0.1:6379) instead, as does a machine without redis-server. Either way
 * everything goes under a fresh `bench:<random>:` prefix and only that prefix is deleted at the
 * end. A watchdog stops it all.
 *
 * Options: --seconds N (timed seconds per scenario, default 6), --warmup N (default 1),
 * --concurrency N (default 32), --latency-concurrency N (reveal rows, default 4),
 * --only a,b,… (SCENARIOS below; `audit-lookup` runs only when named), --results DIR (default
 * bench/results), --memory-requests N (default 100000), --stored N (reveal-1m, default 1000000),
 * --profile DIR (every service and floor process runs with --cpu-prof into DIR), --env NAME=value
 * (repeatable: extra environment for our services, e.g. --env ACCESS_LOG=off), --shared-redis.
 */
import '../shared/telemetryOff';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../shared/config';
import { createRedis, deleteByPrefix } from '../shared/redis';
import { runAuditLookup } from './auditLookup';
import { setUpData } from './fixtures';
import { FLOOR, runFloor } from './floorRun';
import { LoadGenerator } from './load';
import type { Proc } from './procs';
import { evaluate, machine, textTable, writeResults, type Row } from './report';
import { startBenchRedis, type BenchRedis } from './ownRedis';
import { revealScale } from './revealScale';
import { measure, memoryScenario, ourScenarios, type BenchArgs, type Ctx, type OurTarget } from './scenarios';
import { startOurStack, type OurStack } from './stack';

const OURS = ['memory', 'encrypt', 'getSecretValue', 'putSecretValue', 'page', 'encryptBatch', 'batchGetSecretValue', 'reveal-1m'] as const;
const SCENARIOS = [...FLOOR, ...OURS, 'audit-lookup'];
const WATCHDOG_MS = 20 * 60_000;

function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    seconds: 6, warmupSeconds: 1, concurrency: 32, latencyConcurrency: 4, only: null, resultsDir: path.join(__dirname, '..', '..', 'bench', 'results'),
    memoryRequests: 100_000, stored: 1_000_000, profileDir: null, breakFloor: false, serviceEnv: {}, sharedRedis: false,
  };
  const num = (v: string | undefined, min: number, max: number, name: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} takes a number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--seconds') a.seconds = num(v, 0.2, 60, k);
    else if (k === '--warmup') a.warmupSeconds = num(v, 0, 10, k);
    else if (k === '--concurrency') a.concurrency = Math.floor(num(v, 1, 512, k));
    else if (k === '--latency-concurrency') a.latencyConcurrency = Math.floor(num(v, 1, 64, k));
    else if (k === '--only') a.only = (v ?? '').split(',').filter(Boolean);
    else if (k === '--results') a.resultsDir = path.resolve(v ?? '');
    else if (k === '--env') {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(v ?? '');
      if (!m) throw new Error('--env takes NAME=value');
      a.serviceEnv[m[1]] = m[2];
    }
    else if (k === '--memory-requests') a.memoryRequests = Math.floor(num(v, 100, 10_000_000, k));
    else if (k === '--stored') a.stored = Math.floor(num(v, 1000, 10_000_000, k));
    else if (k === '--profile') a.profileDir = path.resolve(v ?? '');
    // For the harness's own test only: the floor subgraph answers GraphQL errors, which must fail the run.
    else if (k === '--break-floor') (a.breakFloor = true), i--;
    else if (k === '--shared-redis') (a.sharedRedis = true), i--;
    else throw new Error(`unknown argument ${k} (see the header of bench/run.ts)`);
    i++;
  }
  const unknown = a.only?.filter((n) => !SCENARIOS.includes(n)) ?? [];
  if (unknown.length) throw new Error(`--only takes: ${SCENARIOS.join(', ')} (not ${unknown.join(', ')})`);
  return a;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const selected = (n: string) => (n === 'audit-lookup' ? !!args.only?.includes(n) : !args.only || args.only.includes(n));
  const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;
  // Only REDIS_URL matters here; loadConfig stays the one reader of the environment.
  const sharedUrl = loadConfig({ ...process.env, NODE_ENV: 'test', INTERNAL_SECRET: randomBytes(32).toString('base64url') }).redis.url;
  const t0 = Date.now();
  const log = (m: string) => process.stdout.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  const own: BenchRedis | null = args.sharedRedis ? null : await startBenchRedis(log);
  const redisUrl = own?.url ?? sharedUrl;
  const unprefixed = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix: '', commandTimeoutMs: 10_000 });
  const prefixed = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix, commandTimeoutMs: 10_000 });
  const info = String(await unprefixed.info('server'));
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
  if (args.profileDir) mkdirSync(args.profileDir, { recursive: true });

  const procs = new Map<string, Proc>();
  const load = new LoadGenerator();
  const rows: Row[] = [];
  let stack: OurStack | null = null;
  const ctx: Ctx = {
    args, load, rows, log,
    pids: () => {
      const m = new Map<string, number>([...procs].map(([n, p]) => [n, p.pid]));
      if (load.pid) m.set('load', load.pid);
      if (redisPid) m.set('redis', redisPid);
      return m;
    },
  };
  // One cleanup, however many ask (the watchdog and main's finally): each waits for it to finish.
  let cleaning: Promise<void> | null = null;
  const cleanup = () => (cleaning ??= (async () => {
    await load.stop().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    if (own) {
      // The private server goes as a whole (nothing else is on it); the clients first, so they do not reconnect.
      prefixed.disconnect();
      unprefixed.disconnect();
      await own.stop();
      log('stopped the bench\'s redis-server');
      return;
    }
    const deleted = await deleteByPrefix(unprefixed, keyPrefix).catch(() => -1);
    log(deleted >= 0 ? `deleted ${deleted} Redis keys under ${keyPrefix}` : `could not delete Redis keys under ${keyPrefix}`);
  })());
  // The table and results files, also of a run the watchdog cuts short (with the rows measured so far).
  const report = () => {
    evaluate(rows);
    const settings = { seconds: args.seconds, warmupSeconds: args.warmupSeconds, concurrency: args.concurrency, latencyConcurrency: args.latencyConcurrency, memoryRequests: args.memoryRequests, stored: args.stored };
    const m = machine(`${redisVersion} (${own ? 'its own redis-server, no persistence' : `shared, ${sharedUrl}`})`, argv);
    process.stdout.write(`\n${m.cpu}, ${m.cores} cores; Node ${m.node}; Redis ${m.redis}; commit ${m.commit}\n`);
    process.stdout.write(`autocannon ${args.concurrency} connections, ${args.seconds} s per scenario after ${args.warmupSeconds} s warm-up\n\n${textTable(rows)}\n`);
    for (const r of rows) if (r.note) process.stdout.write(`\n${r.label}: ${r.note}`);
    const md = writeResults(args.resultsDir, m, rows, settings);
    process.stdout.write(`\nresults written to ${path.relative(process.cwd(), md)}\n`);
  };
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over ${WATCHDOG_MS / 1000} s, stopping everything\n`);
    rows.push({ name: 'watchdog', label: `run stopped by the watchdog after ${WATCHDOG_MS / 1000} s`, items: 1, rate: NaN, p50Ms: NaN, p99Ms: NaN, requests: 0, failed: 0, cpu: {}, concurrency: 0, error: 'watchdog' });
    void cleanup().finally(() => {
      report();
      process.exit(2);
    });
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    log(`Redis ${redisUrl} (${redisVersion}), key prefix ${keyPrefix}`);
    await load.start();
    const plaintext = randomBytes(256).toString('base64');
    await runFloor(ctx, { redis: prefixed, redisUrl, keyPrefix, plaintext, procs });
    if (OURS.some(selected) || selected('audit-lookup')) {
      log('starting our stack: gateway, platform, secrets, kms us-east-1, kms eu-west-1 (one process each)');
      const execArgv = args.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`] : [];
      stack = await startOurStack({ keyPrefix, redisUrl, execArgv, env: args.serviceEnv });
      for (const p of stack.procs) procs.set(p.name, p);
      log('creating keys and secrets through the gateway');
      const fx = await setUpData(stack.gatewayUrl, stack.rootToken);
      fx.plaintext256 = plaintext;
      const t: OurTarget = { gatewayUrl: stack.gatewayUrl, rootToken: stack.rootToken, fx, services: new Map(stack.procs.map((p) => [p.name, p.pid])) };
      if (selected('memory')) await memoryScenario(ctx, t);
      for (const m of ourScenarios(t)) {
        if (selected(m.name) || (m.name === 'page-kmskey' && selected('page'))) await measure(ctx, m);
      }
      if (selected('reveal-1m')) await revealScale(ctx, t, { redisUrl, keyPrefix, unprefixed });
      if (selected('audit-lookup')) await runAuditLookup(ctx, t, { redisUrl, keyPrefix, unprefixed });
    }
  } finally {
    await cleanup();
    if (rows.some((r) => r.name === 'watchdog')) await new Promise(() => undefined); // the watchdog reports and exits
    clearTimeout(watchdog);
    prefixed.disconnect();
    unprefixed.disconnect();
  }

  report();
  const failed = rows.filter((r) => r.error);
  if (failed.length) {
    process.stderr.write(`bench: scenarios with errors: ${failed.map((r) => `${r.name} (${r.error})`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.message}\n`);
    process.exit(1);
  },
);
