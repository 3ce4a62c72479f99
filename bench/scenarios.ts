/*
 * How one scenario is measured, and the scenarios of our stack. A scenario: check a sample of its
 * requests (fail loudly on any error), warm up, then a timed autocannon run from the load
 * process while the CPU time of every process is sampled from /proc.
 */
import { HEADER } from '../shared/http';
import { BATCH_PATHS, ENCRYPT_BATCH_ITEMS, PAGE_SIZE, Q, type Fixture } from './fixtures';
import { verifySample, type LoadGenerator } from './load';
import type { LoadRequest } from './loadWorker';
import { CpuMeter, rssMiB } from './procs';
import type { Row } from './report';

/**
 * Batches (1000 items, 100 values) run at 8 connections: 8 000 items in flight already keep the
 * gateway and the KMS busy, and 32 would queue requests past the gateway's deadline (an honest 503
 * that measures the queue, not the throughput).
 */
const BATCH_CONNECTIONS = 8;

export interface BenchArgs {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  latencyConcurrency: number;
  only: string[] | null;
  resultsDir: string;
  memoryRequests: number;
  stored: number;
  profileDir: string | null;
  breakFloor: boolean;
  /** Extra environment for our services (--env K=V), e.g. ACCESS_LOG=off to see what the access log costs. */
  serviceEnv: Record<string, string>;
  /** Use the Redis at REDIS_URL (shared with whatever else runs) instead of a private redis-server. */
  sharedRedis: boolean;
}

export interface Ctx {
  args: BenchArgs;
  load: LoadGenerator;
  /** Every process whose CPU is sampled: name → pid. */
  pids: () => Map<string, number>;
  rows: Row[];
  log: (m: string) => void;
}

export interface Measure {
  name: string;
  label: string;
  url: string;
  requests: LoadRequest[];
  items?: number;
  connections?: number;
  note?: string;
}

/**
 * Measures one scenario and appends its row; a scenario that errors is recorded as failed (the run
 * exits non-zero). With `keep`, the timed run records every response's latency and hands them to it.
 */
export async function measure(ctx: Ctx, m: Measure, keep?: (latenciesMs: number[]) => void): Promise<Row> {
  const connections = m.connections ?? ctx.args.concurrency;
  const row: Row = { name: m.name, label: m.label, items: m.items ?? 1, rate: NaN, p50Ms: NaN, p99Ms: NaN, requests: 0, failed: 0, cpu: {}, concurrency: connections, note: m.note };
  ctx.rows.push(row);
  ctx.log(`${m.label}: ${connections} connections, ${ctx.args.seconds} s`);
  try {
    await verifySample(m.url, m.requests);
    const warm = await ctx.load.run({ url: m.url, connections, seconds: ctx.args.warmupSeconds, requests: m.requests });
    if (warm.failed > 0) throw new Error(`${warm.failed} of ${warm.requests} warm-up requests failed ${JSON.stringify(warm.detail)}`);
    const meter = new CpuMeter(ctx.pids);
    meter.start();
    const r = await ctx.load.run({ url: m.url, connections, seconds: ctx.args.seconds, requests: m.requests, record: !!keep });
    row.cpu = meter.stop();
    if (keep) keep(r.latenciesMs ?? []);
    Object.assign(row, { rate: r.rate, p50Ms: r.p50Ms, p99Ms: r.p99Ms, requests: r.requests, failed: r.failed });
    if (r.failed > 0) throw new Error(`${r.failed} of ${r.requests} requests failed ${JSON.stringify(r.detail)}`);
    if (r.requests === 0) throw new Error(`no request completed within the ${ctx.args.seconds} s timed run`);
  } catch (err) {
    row.error = (err as Error).message;
    ctx.log(`${m.label}: FAILED: ${row.error}`);
  }
  return row;
}

export const gqlBody = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

export interface OurTarget {
  gatewayUrl: string;
  rootToken: string;
  fx: Fixture;
  /** name → pid of each of our services (RSS of the memory scenario). */
  services: Map<string, number>;
}

/** Our scenarios that need nothing but the fixture, in run order. */
export function ourScenarios(t: OurTarget): Measure[] {
  const auth = { authorization: `Bearer ${t.rootToken}` };
  const us = { ...auth, [HEADER.region]: 'us-east-1' };
  const url = t.gatewayUrl;
  const items = Array.from({ length: ENCRYPT_BATCH_ITEMS }, () => ({ plaintext: t.fx.plaintext256 }));
  return [
    { name: 'encrypt', label: 'encrypt 256 B', url, requests: [{ headers: us, body: gqlBody(Q.encrypt, { i: { keyIdentity: t.fx.encKey, plaintext: t.fx.plaintext256 } }) }] },
    { name: 'getSecretValue', label: 'getSecretValue 1 KiB', url, requests: [{ headers: auth, body: gqlBody(Q.reveal, { p: t.fx.revealPath }) }] },
    {
      name: 'putSecretValue', label: `putSecretValue 256 B (new versions of ${t.fx.putPaths.length} secrets)`, url,
      requests: t.fx.putPaths.map((p) => ({ headers: auth, body: gqlBody(Q.put, { i: { path: p, value: t.fx.plaintext256.slice(0, 256) } }) })),
    },
    { name: 'page', label: `secrets(first: ${PAGE_SIZE}) without kmsKey`, url, requests: [{ headers: auth, body: gqlBody(Q.pageWithoutKey, { first: PAGE_SIZE }) }] },
    { name: 'page-kmskey', label: `secrets(first: ${PAGE_SIZE}) { kmsKey { status } }, 2 regions`, url, requests: [{ headers: auth, body: gqlBody(Q.pageWithKey, { first: PAGE_SIZE }) }] },
    { name: 'encryptBatch', label: `encryptBatch ${ENCRYPT_BATCH_ITEMS} × 256 B`, url, items: ENCRYPT_BATCH_ITEMS, connections: BATCH_CONNECTIONS, requests: [{ headers: us, body: gqlBody(Q.encryptBatch, { k: t.fx.encKey, items }) }] },
    {
      name: 'batchGetSecretValue', label: `batchGetSecretValue ${BATCH_PATHS} × 1 KiB (1 key, 1 region)`, url, items: BATCH_PATHS, connections: BATCH_CONNECTIONS,
      requests: [{ headers: auth, body: gqlBody(Q.batchGet, { paths: t.fx.batchPaths }) }],
    },
  ];
}

/**
 * RSS of every service after 10k and after 100k requests (a mix of encrypt and getSecretValue
 * through the gateway, autocannon `amount`): a leak shows as growth between the two.
 */
export async function memoryScenario(ctx: Ctx, t: OurTarget): Promise<void> {
  const auth = { authorization: `Bearer ${t.rootToken}` };
  const requests: LoadRequest[] = [
    { headers: { ...auth, [HEADER.region]: 'us-east-1' }, body: gqlBody(Q.encrypt, { i: { keyIdentity: t.fx.encKey, plaintext: t.fx.plaintext256 } }) },
    { headers: auth, body: gqlBody(Q.reveal, { p: t.fx.revealPath }) },
  ];
  const total = ctx.args.memoryRequests;
  const first = Math.round(total / 10);
  const row: Row = { name: 'memory', label: `memory: RSS after ${first / 1000}k vs ${total / 1000}k requests`, items: 1, rate: NaN, p50Ms: NaN, p99Ms: NaN, requests: 0, failed: 0, cpu: {}, concurrency: ctx.args.concurrency };
  ctx.rows.push(row);
  ctx.log(`${row.label} (encrypt + getSecretValue)`);
  const rss = () => Object.fromEntries([...t.services].map(([n, pid]) => [n, rssMiB(pid)]));
  try {
    await verifySample(t.gatewayUrl, requests);
    const a = await ctx.load.run({ url: t.gatewayUrl, connections: ctx.args.concurrency, amount: first, requests });
    const at10k = rss();
    const meter = new CpuMeter(ctx.pids);
    meter.start();
    const b = await ctx.load.run({ url: t.gatewayUrl, connections: ctx.args.concurrency, amount: total - first, requests });
    row.cpu = meter.stop();
    row.rss = { at10k, at100k: rss() };
    Object.assign(row, { rate: b.rate, p50Ms: b.p50Ms, p99Ms: b.p99Ms, requests: a.requests + b.requests, failed: a.failed + b.failed });
    if (row.failed > 0) throw new Error(`${row.failed} of ${row.requests} requests failed ${JSON.stringify({ ...a.detail, ...b.detail })}`);
  } catch (err) {
    row.error = (err as Error).message;
    ctx.log(`${row.label}: FAILED: ${row.error}`);
  }
}
