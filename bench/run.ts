/*
 * `npm run bench`: each benchmark measures a case and its baseline in the same run, with the
 * same load generator, and reports both rates and their ratio (never absolute times alone).
 *
 * Process layout (2-core machines): the subgraphs (platform, secrets, kms us-east-1 and eu-west-1)
 * run in a child process (bench/subgraphsProcess.ts); the gateways under test (one with
 * keep-alive to the subgraphs, one without) and the load generator run in this process. Redis is
 * the one at REDIS_URL (default 127.0.0.1:6379); everything is written under a fresh
 * `bench:<random>:` prefix, and only that prefix is deleted at the end. All load goes to 127.0.0.1.
 *
 * Options: --seconds N (measured seconds per case, default 3, at most 10), --concurrency N (default 16),
 * --only name[,name] (see BENCHMARKS below). `audit-lookup` (1M audit events seeded, a few hundred MB
 * of Redis for a few minutes) runs only when named: `npm run bench -- --only audit-lookup`.
 */
import '../shared/telemetryOff';
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../shared/config';
import { HEADER } from '../shared/http';
import { createRedis, deleteByPrefix, type RedisClient } from '../shared/redis';
import type { RunningService } from '../shared/subgraphServer';
import { postGql } from '../test/support/gql';
import { composedSupergraph, startLocalGateway } from '../test/support/localStack';
import { drive, HttpClient, percentile, type Op, type Sample } from './loadgen';
import { AUDIT_LARGE, AUDIT_SMALL, domainLookupOp, dropAuditLogs, gatewayLookupOp, seedAuditLog } from './auditLookup';
import { CACHE_BENCH_KEYS, materialCacheFixture, type MaterialCacheFixture } from './materialCache';

/** The whole run stops by itself after this long (cleanup included); audit-lookup seeds 1M events and gets longer. */
const WATCHDOG_MS = 170_000;
const AUDIT_LOOKUP_WATCHDOG_MS = 420_000;
const WARMUP_MS = 500;
const ROUNDS = 3;

interface Args {
  seconds: number;
  concurrency: number;
  only: string[] | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 3, concurrency: 16, only: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--seconds' && v) (args.seconds = Math.min(10, Math.max(0.3, Number(v)))), i++;
    else if (argv[i] === '--concurrency' && v) (args.concurrency = Math.min(64, Math.max(1, Math.floor(Number(v))))), i++;
    else if (argv[i] === '--only' && v) (args.only = v.split(',')), i++;
    else throw new Error(`unknown argument ${argv[i]} (use --seconds N, --concurrency N, --only a,b)`);
  }
  if (!Number.isFinite(args.seconds) || !Number.isFinite(args.concurrency)) throw new Error('--seconds and --concurrency take numbers');
  return args;
}

interface CaseResult {
  label: string;
  ops: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface BenchResult {
  name: string;
  title: string;
  unit: 'req/s' | 'ops/s';
  measured: CaseResult;
  baseline: CaseResult;
  /** measured / baseline throughput. */
  ratio: number;
  note?: string;
}

interface Case {
  label: string;
  op: Op;
}

function summarize(label: string, samples: Sample[]): CaseResult {
  const ops = samples.reduce((n, s) => n + s.ops, 0);
  const errors = samples.reduce((n, s) => n + s.errors, 0);
  const ms = samples.reduce((n, s) => n + s.elapsedMs, 0);
  const lat = samples.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  return { label, ops, errors, seconds: ms / 1000, perSecond: (ops - errors) / (ms / 1000), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
}

/**
 * Measured case and baseline, each warmed up, then in alternating rounds (A B, B A, A B) so that
 * drift during the run (JIT, GC, Redis growth) falls on both equally.
 */
async function compare(args: Args, measured: Case, baseline: Case, maxOpsPerRound = 200_000): Promise<{ measured: CaseResult; baseline: CaseResult; ratio: number }> {
  const slice = (args.seconds * 1000) / ROUNDS;
  for (const c of [measured, baseline]) await drive(c.op, { concurrency: args.concurrency, durationMs: WARMUP_MS, maxOps: maxOpsPerRound });
  const got = new Map<Case, Sample[]>([[measured, []], [baseline, []]]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 === 0 ? [measured, baseline] : [baseline, measured]) {
      got.get(c)!.push(await drive(c.op, { concurrency: args.concurrency, durationMs: slice, maxOps: maxOpsPerRound }));
    }
  }
  const m = summarize(measured.label, got.get(measured)!);
  const b = summarize(baseline.label, got.get(baseline)!);
  return { measured: m, baseline: b, ratio: m.perSecond / b.perSecond };
}

// ---- the subgraphs' child process --------------------------------------------------------------

function startSubgraphsProcess(keyPrefix: string, redisUrl: string): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = fork(path.join(__dirname, 'subgraphsProcess.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('subgraphs process did not start within 60 s'));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`subgraphs process exited (${code})`));
    });
    child.on('message', (msg: { cmd: string; env: Record<string, string> }) => {
      if (msg.cmd !== 'ready') return;
      clearTimeout(timer);
      resolve({ child, env: msg.env });
    });
    // Rates far above what the load generator sends: the limiter's Redis round trip is measured, no 429 skews the numbers.
    const unthrottled = { RATE_LIMIT_TOKEN_PER_MINUTE: '100000000', RATE_LIMIT_PROJECT_PER_MINUTE: '100000000' };
    child.send({ cmd: 'start', keyPrefix, redisUrl, env: { NODE_ENV: 'production', LOG_LEVEL: 'silent', ...unthrottled } });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.connected) child.send({ cmd: 'stop' });
    else child.kill('SIGTERM');
  });
}

// ---- data set-up through the gateway -----------------------------------------------------------

const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const PAGE_SIZE = 200;
const VALUE_BYTES = 1024;

async function inBatches<T>(work: (() => Promise<T>)[], size: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < work.length; i += size) out.push(...(await Promise.all(work.slice(i, i + size).map((w) => w()))));
  return out;
}

async function ok(url: string, token: string, query: string, variables: Record<string, unknown> = {}, region?: string): Promise<any> {
  const r = await postGql(url, query, variables, { token, region });
  if (r.status !== 200 || r.body.errors?.length || !r.body.data) throw new Error(`set-up request failed (${r.status}): ${JSON.stringify(r.body.errors?.map((e) => e.extensions?.code ?? e.message))}`);
  return r.body.data;
}

const Q = {
  viewer: `{ viewer { project } }`,
  kmsKey: `query($id: String!) { kmsKey(identity: $id) { identity status } }`,
  encrypt: `mutation($i: EncryptInput!) { encrypt(input: $i) { keyVersion ciphertext } }`,
  decrypt: `mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`,
  reveal: `query($p: String!) { getSecretValue(path: $p) { value } }`,
  pageWithKey: `query($first: Int) { secrets(pathPrefix: "page/", first: $first) { nodes { path region kmsKey { identity status } } } }`,
  pageWithoutKey: `query($first: Int) { secrets(pathPrefix: "page/", first: $first) { nodes { path region kmsKeyIdentity } } }`,
};

interface Fixture {
  encKey: string;
  plaintextB64: string;
  secretPath: string;
  ciphertext: string;
}

async function setUpData(gw: string, token: string): Promise<Fixture> {
  const encKey = 'bench-enc';
  await ok(gw, token, `mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity: encKey, type: 'AES256_GCM96' } });
  // A 1 KiB secret value (printable, as secrets usually are) and the same bytes for the direct decrypt.
  const value = randomBytes(VALUE_BYTES).toString('base64').slice(0, VALUE_BYTES);
  const plaintextB64 = Buffer.from(value, 'utf8').toString('base64');
  const secretPath = 'bench/reveal';
  await ok(gw, token, `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: secretPath, kmsKeyIdentity: encKey } });
  await ok(gw, token, `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: secretPath, value } });
  const revealed = await ok(gw, token, Q.reveal, { p: secretPath });
  if (revealed.getSecretValue.value !== value) throw new Error('set-up: revealed value differs');
  const enc = await ok(gw, token, Q.encrypt, { i: { keyIdentity: encKey, plaintext: plaintextB64 } });
  const ciphertext: string = enc.encrypt.ciphertext;
  const dec = await ok(gw, token, Q.decrypt, { i: { keyIdentity: encKey, ciphertext } });
  if (dec.decrypt.plaintext !== plaintextB64) throw new Error('set-up: decrypt round trip differs');

  // The page: 100 keys per region, secret i bound to key i/2 of region i%2 (200 secrets, two regions).
  const keys: (() => Promise<unknown>)[] = [];
  for (let k = 0; k < PAGE_SIZE / 2; k++) {
    for (const region of REGIONS) {
      keys.push(() => ok(gw, token, `mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity: `page-${k}`, type: 'AES256_GCM96' } }, region));
    }
  }
  await inBatches(keys, 16);
  const secrets: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < PAGE_SIZE; i++) {
    const p = `page/s-${String(i).padStart(3, '0')}`;
    secrets.push(() => ok(gw, token, `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: p, kmsKeyIdentity: `page-${Math.floor(i / 2)}`, region: REGIONS[i % 2] } }));
  }
  await inBatches(secrets, 16);
  const page = await ok(gw, token, Q.pageWithKey, { first: PAGE_SIZE });
  const nodes = page.secrets.nodes as { region: string; kmsKey: { status: string } | null }[];
  if (nodes.length !== PAGE_SIZE || nodes.some((n) => n.kmsKey?.status !== 'ACTIVE') || new Set(nodes.map((n) => n.region)).size !== 2) {
    throw new Error('set-up: the page of 200 secrets over two regions is not what was created');
  }
  return { encKey, plaintextB64, secretPath, ciphertext };
}

// ---- main --------------------------------------------------------------------------------------

const BENCHMARKS = ['gateway-keepalive', 'gateway-overhead-kmskey', 'gateway-overhead-encrypt', 'material-cache-encrypt', 'material-cache-request', 'secret-reveal', 'page-kmskey-hop', 'audit-lookup'] as const;

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function printTable(results: BenchResult[], args: Args): void {
  const rows: string[][] = [['benchmark', 'case', 'rate', 'p50 ms', 'p99 ms', 'ops', 'errors', 'ratio']];
  for (const r of results) {
    rows.push([r.name, r.measured.label, `${fmt(r.measured.perSecond)} ${r.unit}`, fmt(r.measured.p50Ms, 2), fmt(r.measured.p99Ms, 2), String(r.measured.ops), String(r.measured.errors), `${fmt(r.ratio, 3)}x`]);
    rows.push(['', `baseline: ${r.baseline.label}`, `${fmt(r.baseline.perSecond)} ${r.unit}`, fmt(r.baseline.p50Ms, 2), fmt(r.baseline.p99Ms, 2), String(r.baseline.ops), String(r.baseline.errors), '']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  process.stdout.write(`\nconcurrency ${args.concurrency}, ${args.seconds} s measured per case (${ROUNDS} alternating rounds), ratio = case / baseline\n\n`);
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of rows.slice(1)) process.stdout.write(`${line(row)}\n`);
  for (const r of results) if (r.note) process.stdout.write(`\n${r.name}: ${r.note}`);
  process.stdout.write('\n');
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const selected = (name: string) => !args.only || args.only.includes(name);
  if (args.only?.some((n) => !(BENCHMARKS as readonly string[]).includes(n))) throw new Error(`--only takes: ${BENCHMARKS.join(', ')}`);
  const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;
  // Only REDIS_URL matters here; loadConfig stays the one reader of the environment.
  const redisUrl = loadConfig({ ...process.env, NODE_ENV: 'test', INTERNAL_SECRET: randomBytes(32).toString('base64url') }).redis.url;
  const started = Date.now();
  const log = (m: string) => process.stdout.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

  let child: ChildProcess | null = null;
  const gateways: RunningService[] = [];
  const client = new HttpClient(args.concurrency);
  const cleanupRedis: RedisClient = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix: '', commandTimeoutMs: 5000 });
  const reportRedis: RedisClient = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix: '', commandTimeoutMs: 5000 });
  const results: BenchResult[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    client.close();
    for (const g of gateways) await g.stop().catch(() => undefined);
    if (child) await stopChild(child);
    const deleted = await deleteByPrefix(cleanupRedis, keyPrefix).catch(() => -1);
    cleanupRedis.disconnect();
    log(deleted >= 0 ? `deleted ${deleted} Redis keys under ${keyPrefix}` : `could not delete Redis keys under ${keyPrefix}`);
  };
  // Seeding 1M audit events takes minutes and a few hundred MB of Redis: only when named.
  const auditLookup = args.only?.includes('audit-lookup') ?? false;
  const watchdogMs = auditLookup ? AUDIT_LOOKUP_WATCHDOG_MS : WATCHDOG_MS;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over ${watchdogMs / 1000} s, stopping\n`);
    void cleanup().finally(() => process.exit(2));
  }, watchdogMs);
  watchdog.unref();

  try {
    log(`Redis ${redisUrl}, key prefix ${keyPrefix}; starting subgraphs in a child process`);
    const sub = await startSubgraphsProcess(keyPrefix, redisUrl);
    child = sub.child;
    const env = sub.env;
    const supergraphSdl = await composedSupergraph();
    const gwKeep = await startLocalGateway(env, { host: '127.0.0.1', keepAlive: true, supergraphSdl });
    gateways.push(gwKeep);
    const gwNoKeep = await startLocalGateway(env, { host: '127.0.0.1', keepAlive: false, supergraphSdl });
    gateways.push(gwNoKeep);
    const token = env.ROOT_TOKEN;
    const auth = { authorization: `Bearer ${token}` };
    log('gateways up; creating keys and secrets');
    const fx = await setUpData(gwKeep.url, token);
    const kmsUsUrl = env.REGIONS.split(',').find((r) => r.startsWith('us-east-1='))!.slice('us-east-1='.length);
    const direct = { ...auth, [HEADER.internalSecret]: env.INTERNAL_SECRET };
    const encryptVars = { i: { keyIdentity: fx.encKey, plaintext: fx.plaintextB64 } };

    const run = async (name: string, title: string, unit: BenchResult['unit'], m: Case, b: Case, note?: () => string) => {
      if (!selected(name)) return;
      log(`${name}: ${m.label} vs ${b.label}`);
      const r = await compare(args, m, b);
      results.push({ name, title, unit, ...r, note: note?.() });
    };

    await run(
      'gateway-keepalive', '{ viewer { project } } through the gateway: keep-alive to subgraphs on vs off', 'req/s',
      { label: 'gateway keepAlive=true', op: client.gqlOp(gwKeep.url, auth, Q.viewer) },
      { label: 'gateway keepAlive=false', op: client.gqlOp(gwNoKeep.url, auth, Q.viewer) },
    );
    await run(
      'gateway-overhead-kmskey', 'kmsKey(identity) through the gateway vs sent directly to the kms subgraph', 'req/s',
      { label: 'via gateway', op: client.gqlOp(gwKeep.url, { ...auth, [HEADER.region]: 'us-east-1' }, Q.kmsKey, { id: fx.encKey }) },
      { label: 'direct to kms us-east-1', op: client.gqlOp(kmsUsUrl, direct, Q.kmsKey, { id: fx.encKey }) },
    );
    await run(
      'gateway-overhead-encrypt', 'encrypt 1 KiB through the gateway vs sent directly to the kms subgraph', 'req/s',
      { label: 'via gateway', op: client.gqlOp(gwKeep.url, { ...auth, [HEADER.region]: 'us-east-1' }, Q.encrypt, encryptVars) },
      { label: 'direct to kms us-east-1', op: client.gqlOp(kmsUsUrl, direct, Q.encrypt, encryptVars) },
    );

    if (selected('material-cache-encrypt') || selected('material-cache-request')) {
      const domainRedis = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix: `${keyPrefix}domain:`, commandTimeoutMs: 5000 });
      try {
        const cache: MaterialCacheFixture = await materialCacheFixture(domainRedis);
        const misses = (before: { warm: number; cold: number }) => () => {
          const now = cache.misses();
          return `material reads (= cache misses) incl. warm-up: warm LRU ${now.warm - before.warm}, cache of 1 over ${CACHE_BENCH_KEYS} keys ${now.cold - before.cold}`;
        };
        let before = cache.misses();
        await run(
          'material-cache-encrypt', 'KeyRingService.encrypt 1 KiB (key record read beforehand): warm LRU vs cache effectively off', 'ops/s',
          { label: 'warm material LRU', op: cache.encryptOnly(true) },
          { label: 'LRU of 1 entry, 64 keys round-robin', op: cache.encryptOnly(false) },
          misses(before),
        );
        before = cache.misses();
        await run(
          'material-cache-request', 'read key record + KeyRingService.encrypt 1 KiB (what one request does): warm LRU vs cache effectively off', 'ops/s',
          { label: 'warm material LRU', op: cache.readAndEncrypt(true) },
          { label: 'LRU of 1 entry, 64 keys round-robin', op: cache.readAndEncrypt(false) },
          misses(before),
        );
      } finally {
        domainRedis.disconnect();
      }
    }

    await run(
      'secret-reveal', 'getSecretValue (gateway → secrets → kms) vs decrypt of a same-size ciphertext through the gateway', 'req/s',
      { label: 'getSecretValue 1 KiB', op: client.gqlOp(gwKeep.url, auth, Q.reveal, { p: fx.secretPath }) },
      { label: 'decrypt 1 KiB via gateway', op: client.gqlOp(gwKeep.url, { ...auth, [HEADER.region]: 'us-east-1' }, Q.decrypt, { i: { keyIdentity: fx.encKey, ciphertext: fx.ciphertext } }) },
    );
    await run(
      'page-kmskey-hop', `page of ${PAGE_SIZE} secrets over two regions with kmsKey { status } vs without kmsKey`, 'req/s',
      { label: `secrets(first: ${PAGE_SIZE}) + kmsKey`, op: client.gqlOp(gwKeep.url, auth, Q.pageWithKey, { first: PAGE_SIZE }) },
      { label: `secrets(first: ${PAGE_SIZE}) only`, op: client.gqlOp(gwKeep.url, auth, Q.pageWithoutKey, { first: PAGE_SIZE }) },
    );

    if (auditLookup) {
      // Same prefix as the platform subgraph, so the gateway's auditEvents reads these logs.
      const auditRedis = createRedis({ url: redisUrl, clusterNodes: null, keyPrefix, commandTimeoutMs: 30_000 });
      const memory = async () => /used_memory_human:(\S+)/.exec(String(await cleanupRedis.info('memory')))?.[1] ?? '?';
      try {
        const small = 'bench-audit-1k';
        const large = 'bench-audit-1m';
        const memBefore = await memory();
        log(`audit-lookup: seeding ${AUDIT_SMALL} and ${AUDIT_LARGE} events (Redis used_memory ${memBefore})`);
        await seedAuditLog(auditRedis, small, AUDIT_SMALL - 1, () => undefined);
        const seedStart = Date.now();
        await seedAuditLog(auditRedis, large, AUDIT_LARGE - 1, (n) => log(`audit-lookup: ${n} events appended`));
        const seedRate = AUDIT_LARGE / ((Date.now() - seedStart) / 1000);
        const memAfter = await memory();
        log(`audit-lookup: seeded at ${fmt(seedRate)} appends/s; Redis used_memory ${memBefore} -> ${memAfter}`);
        const seeded = `the target event behind ${AUDIT_LARGE - 1} vs ${AUDIT_SMALL - 1} newer ones; seeded through AuditLog.append at ${fmt(seedRate)}/s; Redis used_memory ${memBefore} -> ${memAfter}`;
        const p99Note = (name: string) => () => {
          const r = results.find((x) => x.name === name)!;
          return `p99 at 1M / p99 at 1k = ${fmt(r.measured.p99Ms / r.baseline.p99Ms, 2)}x (p50 ${fmt(r.measured.p50Ms / r.baseline.p50Ms, 2)}x); ${seeded}`;
        };
        // Latency, not saturation: a few lookups in flight.
        const latencyArgs = { ...args, concurrency: Math.min(args.concurrency, 4) };
        const runLatency = async (name: string, title: string, m: Case, b: Case) => {
          log(`${name}: ${m.label} vs ${b.label}`);
          const r = await compare(latencyArgs, m, b);
          results.push({ name, title, unit: 'req/s', ...r });
          results[results.length - 1].note = p99Note(name)();
        };
        await runLatency(
          'audit-lookup', 'auditEvents(filter: { requestId }) through AuditSearch + AuditLog: event behind 1M newer vs behind 1k',
          { label: `${AUDIT_LARGE} events`, op: domainLookupOp(auditRedis, large) },
          { label: `${AUDIT_SMALL} events`, op: domainLookupOp(auditRedis, small) },
        );
        {
          const tokenFor = async (project: string) =>
            (await ok(gwKeep.url, token, `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }`, { i: { name: 'bench audit', scopes: ['audit:read'], project } })).createApiToken.token as string;
          await runLatency(
            'audit-lookup-gateway', 'auditEvents(filter: { requestId }) through the gateway: event behind 1M newer vs behind 1k',
            { label: `${AUDIT_LARGE} events`, op: gatewayLookupOp(client, gwKeep.url, await tokenFor(large)) },
            { label: `${AUDIT_SMALL} events`, op: gatewayLookupOp(client, gwKeep.url, await tokenFor(small)) },
          );
        }
      } finally {
        auditRedis.disconnect();
        log(`audit-lookup: unlinked ${await dropAuditLogs(cleanupRedis, keyPrefix, ['bench-audit-1k', 'bench-audit-1m'])} keys`);
      }
    }
  } finally {
    await cleanup();
    clearTimeout(watchdog);
    log(`Redis used_memory after cleanup: ${/used_memory_human:(\S+)/.exec(String(await reportRedis.info('memory').catch(() => '')))?.[1] ?? '?'}`);
    reportRedis.disconnect();
  }

  printTable(results, args);
  const out = path.join(__dirname, 'results.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        concurrency: args.concurrency,
        secondsPerCase: args.seconds,
        rounds: ROUNDS,
        ratio: 'measured case throughput / baseline throughput (same run, same load generator)',
        layout: 'subgraphs (platform, secrets, kms us-east-1 + eu-west-1) in a child process; gateways and load generator in the parent; domain benchmarks in the parent with Redis',
        results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nresults written to ${path.relative(process.cwd(), out)}\n`);
  const failed = results.filter((r) => r.measured.errors > 0 || r.baseline.errors > 0);
  if (failed.length) {
    process.stderr.write(`bench: failed operations in ${failed.map((r) => r.name).join(', ')} (their numbers measure errors)\n`);
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
