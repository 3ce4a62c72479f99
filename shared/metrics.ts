import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditFlow } from './auditFlow';
import type { CircuitBreaker } from './circuitBreaker';
import type { Config } from './config';
import { header, secretMatcher } from './http';
import { observeRoundTrips, pingWithin, type RedisClient } from './redis';

/**
 * Prometheus metrics of one service (`GET /metrics`, text exposition). Each service has its own
 * Registry (tests run several services in one process); the process metrics (RSS, CPU, event-loop
 * lag, GC) live in one registry per process and are appended to every service's answer.
 *
 * Every label value comes from a bounded set chosen by the code (root field names of the schema,
 * API error codes, HTTP statuses, key types, configured regions and subgraphs), never from a
 * request: no path, token, identity, value or client-chosen operationName. Children of labelled
 * metrics are cached, so a request costs a map lookup per metric.
 */

/** Breaker state as a number: 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const;
/** Who holds a breaker: the gateway per region and per global subgraph, the secrets service's KMS client per region. */
export type BreakerKind = 'region' | 'subgraph' | 'kms-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REDIS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

let processRegistry: Registry | null = null;
/** Node's default metrics, once per process (collectDefaultMetrics starts monitors that are never stopped). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'smk_' });
  }
  return processRegistry;
}

/** The archiver's view of the backlog after one run (shared/auditArchive.ts ArchiveRun). */
export interface ArchiveLag {
  ran: boolean;
  unarchived: number;
  full: string[];
  failed: string[];
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'code' | 'status'>;
  private readonly duration: Histogram<'operation'>;
  private readonly kmsOps: Counter<'operation' | 'key_type' | 'region' | 'outcome'>;
  private readonly kmsItems: Counter<'operation' | 'key_type' | 'region' | 'outcome'>;
  private readonly breakerTransitions: Counter<'kind' | 'target' | 'to'>;
  private readonly auditRefused: Counter<'flow'>;
  private readonly archiveRuns: Counter<'outcome'>;
  private readonly unarchived: Gauge;
  private readonly projectsFull: Gauge;
  private readonly lastArchiveRun: Gauge;
  private readonly redisRtt: Histogram<'kind'>;
  /** Children by metric, then by each label value in turn: a lookup allocates nothing. */
  private readonly children = new Map<Counter<string>, Map<string, unknown>>();
  private readonly durations = new Map<string, Histogram.Internal<'operation'>>();
  private readonly breakers: { kind: BreakerKind; target: string; breaker: CircuitBreaker }[] = [];
  private redis: { client: RedisClient; timeoutMs: number } | null = null;
  /** METRICS_TOKEN's check (constant time), when one is set. */
  private readonly tokenMatches: ((presented: string | undefined) => boolean) | null;

  /** `hidden`: /metrics answers 404 though metrics are kept (the production gateway without METRICS_TOKEN). */
  constructor(readonly service: string, private readonly access: Config['metrics'] & { hidden?: boolean }) {
    this.tokenMatches = access.token === null ? null : secretMatcher(access.token);
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    this.requests = new Counter({ name: 'smk_requests_total', help: 'GraphQL requests by operation (root field, "multiple", "invalid" or "unknown"), answer code ("OK" or the API error code) and HTTP status', labelNames: ['operation', 'code', 'status'], registers });
    this.duration = new Histogram({ name: 'smk_request_duration_seconds', help: 'GraphQL request latency, arrival to last byte, by operation', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    this.kmsOps = new Counter({ name: 'smk_kms_operations_total', help: 'KMS crypto operations by operation, key type, region and outcome ("OK", "INVALID" for a failed verification, or the error code)', labelNames: ['operation', 'key_type', 'region', 'outcome'], registers });
    this.kmsItems = new Counter({ name: 'smk_kms_batch_items_total', help: 'Items of encryptBatch / decryptBatch by key type, region and outcome ("OK" or the item error code)', labelNames: ['operation', 'key_type', 'region', 'outcome'], registers });
    const breakers = this.breakers;
    new Gauge({
      name: 'smk_breaker_state', help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open', labelNames: ['kind', 'target'], registers,
      collect() {
        for (const b of breakers) this.set({ kind: b.kind, target: b.target }, BREAKER_STATE[b.breaker.state]);
      },
    });
    this.breakerTransitions = new Counter({ name: 'smk_breaker_transitions_total', help: 'Circuit breaker transitions to open or closed', labelNames: ['kind', 'target', 'to'], registers });
    this.auditRefused = new Counter({ name: 'smk_audit_append_failures_total', help: 'Audit events the log could not take, so the operation was refused (fail closed), by where: record (an event), read (a value or crypto result refused before its event), change (a write-ahead intent)', labelNames: ['flow'], registers });
    this.archiveRuns = new Counter({ name: 'smk_audit_archive_runs_total', help: 'Audit archiver runs of this process: ok, failed (some project could not be archived) or skipped (another replica held the lock)', labelNames: ['outcome'], registers });
    this.unarchived = new Gauge({ name: 'smk_audit_unarchived_events', help: 'Audit events in Redis not yet archived, all projects, as of the last archive run of this process', registers });
    this.projectsFull = new Gauge({ name: 'smk_audit_projects_over_backlog', help: 'Projects whose unarchived backlog is over AUDIT_MAX_UNARCHIVED (their audited operations fail closed), as of the last archive run', registers });
    this.lastArchiveRun = new Gauge({ name: 'smk_audit_archive_last_run_timestamp_seconds', help: 'When this process last completed an archive run (0: never)', registers });
    this.redisRtt = new Histogram({ name: 'smk_redis_round_trip_seconds', help: 'Redis round trips: pipelined batches, and a PING at every scrape', labelNames: ['kind'], buckets: REDIS_BUCKETS, registers });
  }

  get enabled(): boolean {
    return this.access.enabled;
  }

  /** One GraphQL request (operation and code are bounded by the caller: shared/requestObserver.ts). */
  request(operation: string, code: string, status: number, seconds: number): void {
    this.counter(this.requests, operation, code, String(status)).inc();
    let h = this.durations.get(operation);
    if (!h) this.durations.set(operation, (h = this.duration.labels(operation)));
    h.observe(seconds);
  }

  kmsOperation(operation: string, keyType: string, region: string, outcome: string): void {
    this.counter(this.kmsOps, operation, keyType, region, outcome).inc();
  }

  kmsBatchItems(operation: string, keyType: string, region: string, outcome: string, n: number): void {
    if (n > 0) this.counter(this.kmsItems, operation, keyType, region, outcome).inc(n);
  }

  /** Reports the breaker's state at each scrape and counts its transitions. */
  watchBreaker(kind: BreakerKind, target: string, breaker: CircuitBreaker): void {
    if (!this.enabled) return;
    this.breakers.push({ kind, target, breaker });
    breaker.onTransition = (to) => this.counter(this.breakerTransitions, kind, target, to).inc();
  }

  /** Times the client's pipelined batches (shared/redis.ts) and PINGs it at each scrape. */
  watchRedis(client: RedisClient, timeoutMs: number): void {
    this.redis = { client, timeoutMs };
    if (!this.enabled) return;
    const pipeline = this.redisRtt.labels('pipeline');
    observeRoundTrips(client, (seconds) => pipeline.observe(seconds));
  }

  /** Counts the events (or intents) the flow could not write: each refused its operation. */
  watchAuditFlow(flow: AuditFlow): void {
    if (!this.enabled) return;
    const refused = { record: this.auditRefused.labels('record'), read: this.auditRefused.labels('read'), change: this.auditRefused.labels('change') };
    for (const c of Object.values(refused)) c.inc(0); // present (at 0) from the start
    flow.onNotWritten = (where) => refused[where].inc();
  }

  auditArchiveRun(run: ArchiveLag): void {
    this.archiveRuns.labels(!run.ran ? 'skipped' : run.failed.length > 0 ? 'failed' : 'ok').inc();
    if (!run.ran) return;
    this.unarchived.set(run.unarchived);
    this.projectsFull.set(run.full.length);
    this.lastArchiveRun.set(Date.now() / 1000);
  }

  /**
   * GET /metrics. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>` (401
   * otherwise); METRICS=off answers 404.
   */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.access.enabled || this.access.hidden) return plain(res, 404, 'not found\n');
    if (this.tokenMatches) {
      const auth = header(req, 'authorization');
      const presented = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      if (!this.tokenMatches(presented)) return plain(res, 401, 'unauthorized\n', { 'www-authenticate': 'Bearer' });
    }
    if (this.redis) {
      const started = performance.now();
      if (await pingWithin(this.redis.client, this.redis.timeoutMs)) this.redisRtt.labels('ping').observe((performance.now() - started) / 1000);
    }
    const text = (await this.registry.metrics()) + (await processMetrics().metrics());
    plain(res, 200, text, { 'content-type': this.registry.contentType });
  }

  private counter<T extends string>(metric: Counter<T>, ...values: string[]): { inc(n?: number): void } {
    let level = this.children.get(metric as Counter<string>);
    if (!level) this.children.set(metric as Counter<string>, (level = new Map()));
    for (let i = 0; i < values.length - 1; i++) {
      let next = level.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i], (next = new Map()));
      level = next;
    }
    const last = values[values.length - 1];
    let child = level.get(last) as { inc(n?: number): void } | undefined;
    if (!child) level.set(last, (child = metric.labels(...values)));
    return child;
  }
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
