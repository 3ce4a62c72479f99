/*
 * The load generator, in its own process (forked by bench/load.ts): autocannon driven
 * programmatically at fixed concurrency. Each job is one autocannon run (a duration or an amount
 * of requests); every response body is checked (verifyBody): a GraphQL `errors` member or a
 * failed batch item (`"error":{`) counts as a mismatch, like a non-2xx status, a socket error or
 * a timeout. Only counts and latencies (percentiles, or with `record` every response's) go back to
 * the parent, never bodies.
 */
import { exitWithParent } from './procs';

// autocannon ships no types; the part used here.
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  '2xx': number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

export interface LoadRequest {
  headers: Record<string, string>;
  body: string;
}

export interface LoadJob {
  id: number;
  url: string;
  connections: number;
  /** Seconds of load (ignored when `amount` is set). */
  seconds?: number;
  /** Exactly this many requests. */
  amount?: number;
  /** Each connection cycles through these in order. */
  requests: LoadRequest[];
  /** At most this many requests per second over all connections (autocannon overallRate); unlimited if unset. */
  rate?: number;
  /** Also return every successful response's latency (reveal-1m pools them across rounds). */
  record?: boolean;
}

export interface LoadResult {
  id: number;
  requests: number;
  seconds: number;
  /** Requests per second, all requests (the scenario fails when any failed). */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** non-2xx + socket errors + timeouts + bodies with GraphQL / item errors. */
  failed: number;
  detail: { non2xx: number; errors: number; timeouts: number; mismatches: number };
  /** With `record`: the latency of every 2xx response in ms, in completion order. */
  latenciesMs?: number[];
}

/** A response body is a success when it holds neither a GraphQL `errors` member nor a failed batch item. */
export function bodyIsSuccess(body: string): boolean {
  return body.includes('"data":') && !body.includes('"errors":') && !body.includes('"error":{');
}

async function run(job: LoadJob): Promise<LoadResult> {
  const instance = autocannon({
    url: job.url,
    method: 'POST',
    connections: job.connections,
    ...(job.amount ? { amount: job.amount } : { duration: job.seconds ?? 1 }),
    requests: job.requests.map((q) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...q.headers }, body: q.body })),
    verifyBody: bodyIsSuccess,
    timeout: 20,
    ...(job.rate ? { overallRate: job.rate } : {}),
  });
  const latenciesMs: number[] = [];
  if (job.record) instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latenciesMs.push(ms);
  });
  const r = await instance;
  const failed = r.non2xx + r.errors + r.timeouts + r.mismatches;
  return {
    id: job.id, requests: r.requests.total, seconds: r.duration, rate: r.requests.total / r.duration, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    failed, detail: { non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, mismatches: r.mismatches },
    ...(job.record ? { latenciesMs } : {}),
  };
}

if (require.main === module) {
  exitWithParent();
  process.on('message', (job: LoadJob) => {
    run(job).then(
      (result) => process.send?.({ cmd: 'result', result }),
      (err: Error) => process.send?.({ cmd: 'failed', id: job.id, message: err.message }),
    );
  });
  process.send?.({ cmd: 'ready', url: 'ipc' });
}
