import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { DAY_FILE, digestLine, genesisLine, sha256Hex } from '@secrets-kms/client/dist/node/auditVerify';
import type { AuditLog } from './audit';
import { backlogFullKey as fullKey } from './auditBacklog';
import type { AuditCapacity } from './auditFlow';
import { isProjectName, validateProjectName } from './identifiers';
import type { Logger } from './log';
import { PeriodicJob } from './periodicJob';
import type { RedisClient } from './redis';

/**
 * Redis keys (the project's keys share the audit stream's hash tag):
 *   audit-archiver:lock          string — token of the one archiver running
 *   audit:{<project>}:archive    hash   — position: last archived stream id, open day file, its
 *                                         line count, last line hash and committed size; webhook position
 *   audit:{<project>}:full       string — set while the backlog of unarchived events is over the bound
 */
const LOCK_KEY = 'audit-archiver:lock';
const streamKey = (project: string) => `audit:{${validateProjectName(project)}}`;
const stateKey = (project: string) => `audit:{${validateProjectName(project)}}:archive`;
const STREAM_KEY = /^audit:\{([a-z0-9][a-z0-9-]{0,62})\}$/;
const DAY_MS = 86_400_000;
const MAX_SEQ = 18446744073709551615n;

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface WebhookOptions {
  url: string;
  secret: Buffer;
  /** Attempts per batch within one run (then the next run resumes from the same position). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  batchLines?: number;
  timeoutMs?: number;
}

export interface ArchiverOptions {
  dir: string;
  key: Buffer;
  retentionDays: number;
  maxUnarchived: number;
  intervalMs?: number;
  lockTtlMs?: number;
  /** Stream entries read per batch (each batch is written and fsync'd before the position moves). */
  batch?: number;
  /** A day is closed (digest written) this long after it ends, once its events are all archived. */
  closeGraceMs?: number;
  webhook?: WebhookOptions | null;
  now?: () => Date;
  /** Told of each run's result (shared/metrics.ts: the backlog gauges). */
  onRun?: (run: ArchiveRun) => void;
}

export interface ArchiveRun {
  /** False when another process held the lock. */
  ran: boolean;
  archived: number;
  trimmed: number;
  exported: number;
  /** Projects whose backlog is over the bound (their audited operations fail closed). */
  full: string[];
  /** Projects whose archiving failed this run (their events stay in Redis). */
  failed: string[];
  /** Events not yet archived after this run, all projects together. */
  unarchived: number;
}

interface State {
  pos: string;
  day: string | null;
  lines: number;
  last: string | null;
  bytes: number;
  closed: boolean;
  retained: number;
}

/**
 * Moves each project's audit events, in stream order, into hash-chained JSON-lines files (one per
 * project and UTC day of the event's stream id), then trims from Redis what is both archived and
 * past retention. Every platform replica runs one; a Redis lock makes exactly one act.
 */
export class AuditArchiver {
  private readonly job: PeriodicJob<ArchiveRun>;
  private readonly now: () => Date;
  private readonly batch: number;
  private readonly lockTtlMs: number;
  private readonly intervalMs: number;
  private readonly closeGraceMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly opts: ArchiverOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.batch = opts.batch ?? 1000;
    this.lockTtlMs = opts.lockTtlMs ?? 5 * 60_000;
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.closeGraceMs = opts.closeGraceMs ?? 5 * 60_000;
    this.job = new PeriodicJob('audit archive run failed', this.intervalMs, () => this.run(), log);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  runOnce(): Promise<ArchiveRun> {
    return this.job.runOnce();
  }

  private async run(): Promise<ArchiveRun> {
    const result: ArchiveRun = { ran: false, archived: 0, trimmed: 0, exported: 0, full: [], failed: [], unarchived: 0 };
    const token = randomBytes(16).toString('hex');
    if ((await this.redis.set(LOCK_KEY, token, 'PX', this.lockTtlMs, 'NX')) !== 'OK') {
      this.opts.onRun?.(result);
      return result;
    }
    result.ran = true;
    try {
      for (const project of await this.projects()) {
        if (!(await this.stillOurs(token))) break;
        await this.runProject(project, token, result);
      }
    } finally {
      await this.redis.eval(RELEASE_LOCK, 1, LOCK_KEY, token).catch(() => 0);
      this.opts.onRun?.(result);
    }
    return result;
  }

  private async runProject(project: string, token: string, result: ArchiveRun): Promise<void> {
    const st = await this.loadState(project);
    let failure: string | null = null;
    try {
      this.reconcile(project, st);
      await this.saveState(project, st);
      result.archived += await this.archive(project, st, token);
      result.trimmed += await this.trim(project, st);
    } catch (err) {
      // Duck-typed: fs errors need not be instances of this realm's Error.
      const e = err as { code?: unknown; message?: unknown };
      failure = typeof e.code === 'string' ? e.code : typeof e.message === 'string' ? e.message.slice(0, 200) : 'unknown';
      result.failed.push(project);
      // What the failed run changed in memory was not committed: the recorded position is the truth.
      Object.assign(st, await this.loadState(project).catch(() => st));
      this.log.error('audit archive of a project failed; its events stay in Redis', { project, err: failure });
    }
    if (await this.checkBacklog(project, st, failure, result)) result.full.push(project);
    if (this.opts.webhook && failure === null) result.exported += await this.exportLines(project, st, this.opts.webhook);
  }

  // ---- archiving ----

  private file(project: string, day: string): string {
    return join(this.opts.dir, project, `${day}.jsonl`);
  }

  /**
   * The file may hold more than the recorded position (a crash between fsync and the position
   * update): those lines are archived, so the position follows them. A torn last line was never
   * fsync'd as part of a batch and is cut off. A file shorter than recorded is refused.
   */
  private reconcile(project: string, st: State): void {
    if (!st.day) return;
    const path = this.file(project, st.day);
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size < st.bytes) throw new Error(`archive file ${project}/${st.day}.jsonl is shorter than recorded (${size} < ${st.bytes} bytes); refusing to append`);
    if (size === st.bytes) return;
    const fd = openSync(path, 'r+');
    try {
      const tail = Buffer.alloc(size - st.bytes);
      readSync(fd, tail, 0, tail.length, st.bytes);
      const end = tail.lastIndexOf(0x0a) + 1;
      for (const line of tail.subarray(0, end).toString('utf8').split('\n').slice(0, -1)) {
        const obj = JSON.parse(line) as { id?: string; digest?: unknown };
        if (obj.digest) st.closed = true;
        else {
          st.lines++;
          st.last = sha256Hex(line);
          st.pos = String(obj.id);
          st.retained++;
        }
      }
      if (end < tail.length) {
        ftruncateSync(fd, st.bytes + end);
        fsyncSync(fd);
      }
      st.bytes += end;
    } finally {
      closeSync(fd);
    }
  }

  private async archive(project: string, st: State, token: string): Promise<number> {
    let archived = 0;
    let reachedEnd = false;
    for (;;) {
      if (!(await this.stillOurs(token))) return archived;
      const rows = (await this.redis.xrange(streamKey(project), st.pos === '0-0' ? '-' : `(${st.pos}`, '+', 'COUNT', this.batch)) as [string, string[]][];
      let buf = '';
      for (const [id, kv] of rows) {
        let day = dayOf(id);
        if (st.day && day <= st.day) day = st.closed ? nextDay(st.day) : st.day;
        if (day !== st.day) {
          if (buf) await this.write(project, st, buf);
          buf = '';
          if (st.day && !st.closed) await this.close(project, st);
          Object.assign(st, { day, lines: 0, last: null, bytes: 0, closed: false });
          await this.saveState(project, st);
        }
        const line = JSON.stringify({ seq: st.lines + 1, prev: st.last ?? sha256Hex(genesisLine(project, day)), id, ...eventFields(kv) });
        buf += `${line}\n`;
        st.lines++;
        st.last = sha256Hex(line);
        st.pos = id;
        st.retained++;
        archived++;
      }
      if (buf) await this.write(project, st, buf);
      if (rows.length < this.batch) {
        reachedEnd = true;
        break;
      }
    }
    // Stream ids only grow, so once the day is over and the stream is read to its end, the day is complete.
    if (reachedEnd && st.day && !st.closed && this.now().getTime() >= Date.parse(`${st.day}T00:00:00Z`) + DAY_MS + this.closeGraceMs) {
      await this.close(project, st);
    }
    return archived;
  }

  private async close(project: string, st: State): Promise<void> {
    await this.write(project, st, `${digestLine(this.opts.key, project, st.day!, st.lines, st.last ?? sha256Hex(genesisLine(project, st.day!)))}\n`);
    st.closed = true;
    await this.saveState(project, st);
  }

  /** Appends, fsyncs, then moves the recorded position: a line is counted only once it is on disk. */
  private async write(project: string, st: State, data: string): Promise<void> {
    const dir = join(this.opts.dir, project);
    mkdirSync(dir, { recursive: true });
    const path = this.file(project, st.day!);
    const created = !existsSync(path);
    const fd = openSync(path, 'a');
    try {
      if (fstatSync(fd).size !== st.bytes) throw new Error(`archive file ${project}/${st.day}.jsonl changed under the archiver`);
      const bytes = Buffer.from(data, 'utf8');
      writeSync(fd, bytes);
      fsyncSync(fd);
      st.bytes += bytes.length;
    } finally {
      closeSync(fd);
    }
    if (created) {
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    }
    await this.saveState(project, st);
  }

  /** Removes what is both archived and older than the retention window; nothing else, ever. */
  private async trim(project: string, st: State): Promise<number> {
    if (st.pos === '0-0') return 0;
    const cutoff = this.now().getTime() - this.opts.retentionDays * DAY_MS;
    if (cutoff <= 0) return 0;
    const expired = `${cutoff - 1}-${MAX_SEQ}`;
    const upTo = compareIds(st.pos, expired) <= 0 ? st.pos : expired;
    const n = await this.audit.trimArchived(project, upTo);
    if (n > 0) {
      st.retained = Math.max(0, st.retained - n);
      await this.saveState(project, st);
    }
    return n;
  }

  /** Backlog = events in the stream not yet archived. Over the bound, the project's log takes no more. */
  private async checkBacklog(project: string, st: State, failure: string | null, result: ArchiveRun): Promise<boolean> {
    try {
      const unarchived = Math.max(0, Number(await this.redis.xlen(streamKey(project))) - st.retained);
      result.unarchived += unarchived;
      if (unarchived > this.opts.maxUnarchived) {
        await this.redis.set(fullKey(project), String(unarchived), 'PX', Math.max(3 * this.intervalMs, 60_000));
        this.log.warn('audit log full: unarchived events are over AUDIT_MAX_UNARCHIVED, so audited operations of the project fail with 503 STORE_UNAVAILABLE until the archive catches up', {
          project, unarchived, max: this.opts.maxUnarchived, cause: failure ?? 'archive behind',
        });
        return true;
      }
      await this.redis.del(fullKey(project));
    } catch (err) {
      this.log.warn('audit backlog check failed', { project, err: err instanceof Error ? err.message.slice(0, 200) : 'unknown' });
    }
    return false;
  }

  // ---- export ----

  /** Sends the archived lines, in order, from the webhook's own position; stops at the first batch that cannot be delivered. */
  private async exportLines(project: string, st: State, hook: WebhookOptions): Promise<number> {
    const dir = join(this.opts.dir, project);
    if (!existsSync(dir)) return 0;
    const days = readdirSync(dir).map((f) => DAY_FILE.exec(f)?.[1]).filter((d): d is string => !!d).sort();
    if (days.length === 0) return 0;
    const saved = await this.redis.hmget(stateKey(project), 'whDay', 'whOffset', 'whLine');
    let day = saved[0] ?? days[0];
    let offset = Number(saved[1] ?? 0);
    let line = Number(saved[2] ?? 0);
    let sent = 0;
    for (;;) {
      // Of the open day, only what the archiver has committed.
      const limit = day === st.day ? st.bytes : statSync(this.file(project, day)).size;
      const chunk = readLines(this.file(project, day), offset, limit, hook.batchLines ?? 500);
      if (chunk.lines.length === 0) {
        const i = days.indexOf(day);
        if (i === -1 || i + 1 >= days.length) return sent;
        day = days[i + 1];
        offset = 0;
        line = 0;
        await this.redis.hset(stateKey(project), 'whDay', day, 'whOffset', '0', 'whLine', '0');
        continue;
      }
      const body = JSON.stringify({ project, day, firstLine: line + 1, lines: chunk.lines });
      if (!(await this.deliver(project, hook, body))) return sent;
      offset += chunk.bytes;
      line += chunk.lines.length;
      sent += chunk.lines.length;
      await this.redis.hset(stateKey(project), 'whDay', day, 'whOffset', String(offset), 'whLine', String(line));
    }
  }

  private async deliver(project: string, hook: WebhookOptions, body: string): Promise<boolean> {
    const attempts = hook.maxAttempts ?? 5;
    const signature = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
    let last = '';
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await delay(Math.min((hook.baseDelayMs ?? 500) * 2 ** (attempt - 1), hook.maxDelayMs ?? 30_000));
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-audit-signature': signature },
          body,
          signal: AbortSignal.timeout(hook.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.name : 'unknown';
      }
    }
    this.log.warn('audit webhook delivery failed; the next run resumes from the same line', { project, err: last, attempts });
    return false;
  }

  // ---- Redis state ----

  private async projects(): Promise<string[]> {
    const prefix = (this.redis.options as { keyPrefix?: string }).keyPrefix ?? '';
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    const found = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${globEscape(prefix)}audit:{*}`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) {
          const m = STREAM_KEY.exec(k.slice(prefix.length));
          if (m && isProjectName(m[1])) found.add(m[1]);
        }
      } while (cursor !== '0');
    }
    return [...found].sort();
  }

  private async stillOurs(token: string): Promise<boolean> {
    return Number(await this.redis.eval(EXTEND_LOCK, 1, LOCK_KEY, token, String(this.lockTtlMs))) === 1;
  }

  private async loadState(project: string): Promise<State> {
    const h = await this.redis.hgetall(stateKey(project));
    return {
      pos: h.pos ?? '0-0',
      day: h.day || null,
      lines: Number(h.lines ?? 0),
      last: h.last || null,
      bytes: Number(h.bytes ?? 0),
      closed: h.closed === '1',
      retained: Number(h.retained ?? 0),
    };
  }

  private async saveState(project: string, st: State): Promise<void> {
    await this.redis.hset(stateKey(project), {
      pos: st.pos, day: st.day ?? '', lines: String(st.lines), last: st.last ?? '', bytes: String(st.bytes), closed: st.closed ? '1' : '', retained: String(st.retained),
    });
  }
}

/**
 * What the audit flow is told of a full backlog (AuditLog's write scripts refuse while the flag
 * above is set): a refused operation is logged (at most once per project every 5 s) with the reason.
 */
export class AuditBackpressure implements AuditCapacity {
  private readonly lastLogged = new Map<string, number>();
  constructor(private readonly log: Logger) {}

  refused(project: string): void {
    if (Date.now() - (this.lastLogged.get(project) ?? 0) > 5000) {
      this.lastLogged.set(project, Date.now());
      this.log.warn('audited operation refused: the project\'s unarchived audit events are over AUDIT_MAX_UNARCHIVED (the archive is behind or failing)', { project, code: 'STORE_UNAVAILABLE' });
    }
  }
}

function eventFields(kv: string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (let i = 0; i < kv.length; i += 2) out[kv[i]] = kv[i] === 'keyVersion' || kv[i] === 'count' ? Number(kv[i + 1]) : kv[i + 1];
  return out;
}

function dayOf(id: string): string {
  return new Date(Number(id.split('-')[0])).toISOString().slice(0, 10);
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Complete lines from `offset` up to `limit` bytes, at most `max` of them, and their byte length. */
function readLines(path: string, offset: number, limit: number, max: number): { lines: string[]; bytes: number } {
  if (limit <= offset) return { lines: [], bytes: 0 };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(limit - offset, 4 * 1024 * 1024));
    const n = readSync(fd, buf, 0, buf.length, offset);
    const lines: string[] = [];
    let start = 0;
    while (lines.length < max) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1 || nl >= n) break;
      lines.push(buf.subarray(start, nl).toString('utf8'));
      start = nl + 1;
    }
    return { lines, bytes: start };
  } finally {
    closeSync(fd);
  }
}
