import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One operation of a benchmark case: resolves true when the answer was the expected success. */
export type Op = () => Promise<boolean>;

export interface DriveOptions {
  /** Operations in flight at any time (fixed). */
  concurrency: number;
  /** Stop after this long… */
  durationMs: number;
  /** …or after this many operations, whichever comes first. */
  maxOps: number;
}

export interface Sample {
  ops: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
}

/** A run stops by itself after this many failed operations (a broken case must not spin). */
const MAX_ERRORS = 50;

/** Runs `op` with fixed concurrency until the time or count bound is reached. */
export async function drive(op: Op, opts: DriveOptions): Promise<Sample> {
  const start = performance.now();
  const end = start + opts.durationMs;
  const latenciesMs: number[] = [];
  let started = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < end && started < opts.maxOps && errors < MAX_ERRORS) {
      started++;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await op();
      } catch {
        ok = false;
      }
      latenciesMs.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { ops: latenciesMs.length, errors, elapsedMs: performance.now() - start, latenciesMs };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Client side of the HTTP cases: node:http with a keep-alive agent sized to the concurrency. */
export class HttpClient {
  readonly agent: http.Agent;

  constructor(concurrency: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  post(url: string, headers: Record<string, string>, body: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** An Op posting a fixed GraphQL request: success is HTTP 200 with no `errors`. */
  gqlOp(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}): Op {
    const body = JSON.stringify({ query, variables });
    return async () => {
      const r = await this.post(url, headers, body);
      return r.status === 200 && !r.text.includes('"errors"');
    };
  }

  close(): void {
    this.agent.destroy();
  }
}
