import { randomUUID } from 'node:crypto';
import { validateProjectName } from './identifiers';
import type { RedisClient } from './redis';
import { badInput } from './errors';

export type AuditOutcome = 'SUCCESS' | 'DENIED' | 'FAILURE';

/** The actions of API.md. */
export const AUDIT_ACTIONS = [
  'secrets.create', 'secrets.put_value', 'secrets.get_value', 'secrets.update', 'secrets.delete',
  'secrets.delete_versions', 'secrets.undelete_versions', 'secrets.destroy_versions',
  'kms.create_key', 'kms.rotate_key', 'kms.update_key', 'kms.enable_key', 'kms.disable_key',
  'kms.schedule_deletion', 'kms.cancel_deletion', 'kms.encrypt', 'kms.decrypt', 'kms.reencrypt',
  'kms.generate_data_key', 'kms.sign', 'kms.verify', 'kms.generate_mac', 'kms.verify_mac', 'kms.export_key',
  'kms.destroy_key_material',
  'auth.token_created', 'auth.token_revoked', 'auth.denied', 'platform.feature_gate',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * An audit event. By construction it has no field for values: only identifiers, codes and versions,
 * so plaintext, ciphertext, key material and tokens cannot end up here.
 */
export interface AuditEventInput {
  action: AuditAction;
  outcome: AuditOutcome;
  actor: string;
  via?: string | null;
  project: string;
  region?: string | null;
  resource: string;
  requestId: string;
  errorCode?: string | null;
  keyVersion?: number | null;
  /** How many occurrences of the same outcome within the request this one event stands for; null/absent = 1. */
  count?: number | null;
}

export interface AuditEvent extends AuditEventInput {
  id: string;
  time: string;
}

export interface AuditFilter {
  action?: string | null;
  resource?: string | null;
  actor?: string | null;
  requestId?: string | null;
  since?: Date | null;
  until?: Date | null;
  /** Extra condition applied while scanning (so pages still fill up), e.g. a token's path confinement. */
  predicate?: ((e: AuditEvent) => boolean) | null;
}

// Every key name goes through these two, so a project outside the shared rule never becomes a hash tag.
const streamKey = (project: string) => `audit:{${validateProjectName(project)}}`;
/** Write-ahead records of state changes under way; same hash tag as the stream, so settling is atomic. */
const intentsKey = (project: string) => `audit:{${validateProjectName(project)}}:intents`;

/** Publishes a settled intent: the event enters the stream and the intent goes, in one step. */
const SETTLE = `
if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then return false end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))`;

/** Records an intent only if the stream can take the final event (exists as a stream, or not yet). */
const BEGIN = `
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'stream' and t ~= 'none' then return redis.error_reply('WRONGTYPE audit stream is not writable') end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** A state change whose audit event is reserved but not yet final. */
export interface AuditIntent {
  id: string;
  event: AuditEventInput;
}
const MAX_SCAN_PER_PAGE = 20000;

/**
 * Append-only audit log: one Redis stream per project. Appends are awaited by callers before a
 * result is returned (fail closed); a failed append surfaces as STORE_UNAVAILABLE.
 */
export class AuditLog {
  constructor(private readonly redis: RedisClient, private readonly maxLen = 1_000_000) {}

  async append(e: AuditEventInput): Promise<string> {
    const id = await this.redis.xadd(streamKey(e.project), 'MAXLEN', '~', String(this.maxLen), '*', ...fields(e));
    return id as string;
  }

  /**
   * Before a state change: records the intent in the project's audit slot. If this write fails,
   * nothing has changed yet and the change must not happen (fail closed).
   */
  async begin(e: AuditEventInput): Promise<AuditIntent> {
    const id = randomUUID();
    await this.redis.eval(BEGIN, 2, streamKey(e.project), intentsKey(e.project), id, JSON.stringify({ at: Date.now(), event: e }));
    return { id, event: e };
  }

  /**
   * After the change (or its failure): the final event replaces the intent atomically. Exactly
   * once: an intent already settled (e.g. recovered as OUTCOME_UNKNOWN) yields null and no event.
   */
  async settle(intent: AuditIntent, final: AuditEventInput): Promise<string | null> {
    const p = intent.event.project;
    const id = await this.redis.eval(SETTLE, 2, streamKey(p), intentsKey(p), String(this.maxLen), intent.id, ...fields(final));
    return (id as string | null) ?? null;
  }

  /** Drops an intent whose change turned out not to be due: nothing happened, nothing to log. */
  async discard(intent: AuditIntent): Promise<void> {
    await this.redis.hdel(intentsKey(intent.event.project), intent.id);
  }

  /**
   * Intents older than `olderThanMs` were never settled (the store failed mid-change, or the
   * process died): they are published with outcome FAILURE and errorCode OUTCOME_UNKNOWN, so a
   * change that may have happened is never missing from the log.
   */
  async recoverStale(project: string, olderThanMs = 30_000): Promise<number> {
    const all = await this.redis.hgetall(intentsKey(project));
    let n = 0;
    for (const [id, raw] of Object.entries(all ?? {})) {
      const rec = JSON.parse(raw) as { at: number; event: AuditEventInput };
      if (Date.now() - rec.at < olderThanMs) continue;
      if (await this.settle({ id, event: rec.event }, { ...rec.event, outcome: 'FAILURE', errorCode: 'OUTCOME_UNKNOWN' })) n++;
    }
    return n;
  }


  /** Newest first. `after` is the cursor returned by the previous page. */
  async query(
    project: string,
    filter: AuditFilter,
    first: number,
    after: string | null,
  ): Promise<{ events: AuditEvent[]; endCursor: string | null; hasNextPage: boolean }> {
    if (after !== null && !isExclusiveStreamBound(after)) throw badInput('after is not a valid cursor');
    // Stream ids start at 0-0 (1970): nothing lies before it, and Redis refuses a negative id.
    if (filter.until && filter.until.getTime() < 0) return { events: [], endCursor: null, hasNextPage: false };
    let upper = after ? `(${after}` : filter.until ? String(filter.until.getTime()) : '+';
    if (after && filter.until && Number(after.split('-')[0]) > filter.until.getTime()) upper = String(filter.until.getTime());
    const lower = filter.since && filter.since.getTime() > 0 ? String(filter.since.getTime()) : '-';
    const events: AuditEvent[] = [];
    let scanned = 0;
    let lastScanned: string | null = null;
    const batch = Math.min(Math.max(first * 2, 100), 1000);
    for (;;) {
      const rows = (await this.redis.xrevrange(streamKey(project), upper, lower, 'COUNT', batch)) as [string, string[]][];
      for (const [id, kv] of rows) {
        lastScanned = id;
        scanned++;
        const ev = decode(id, kv);
        if (matches(ev, filter)) {
          if (events.length === first) {
            return { events, endCursor: events[events.length - 1].id, hasNextPage: true };
          }
          events.push(ev);
        }
      }
      if (rows.length < batch) break;
      if (scanned >= MAX_SCAN_PER_PAGE) {
        // Bounded work per request: hand back a cursor at the last scanned entry.
        return { events, endCursor: lastScanned, hasNextPage: true };
      }
      upper = `(${lastScanned}`;
    }
    return { events, endCursor: events.length ? events[events.length - 1].id : null, hasNextPage: false };
  }

  /**
   * Removes the project's events up to and including `upToId` (the archiver calls it only for
   * events already archived and past retention). Resolves to how many entries went.
   */
  async trimArchived(project: string, upToId: string): Promise<number> {
    const m = /^(\d+)-(\d+)$/.exec(upToId);
    if (!m) throw badInput('upToId is not a stream id');
    const next = BigInt(m[2]) === MAX_STREAM_ID_PART ? `${BigInt(m[1]) + 1n}-0` : `${m[1]}-${BigInt(m[2]) + 1n}`;
    return Number(await this.redis.xtrim(streamKey(project), 'MINID', next));
  }
}

const MAX_STREAM_ID_PART = 2n ** 64n - 1n;

/** Whether Redis takes `(id` as an exclusive stream bound: both parts within 64 bits, and above 0-0. */
function isExclusiveStreamBound(id: string): boolean {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(id);
  if (!m) return false;
  const [ms, seq] = [BigInt(m[1]), BigInt(m[2])];
  return ms <= MAX_STREAM_ID_PART && seq <= MAX_STREAM_ID_PART && ms + seq > 0n;
}

function fields(e: AuditEventInput): string[] {
  const out: string[] = [
    'time', new Date().toISOString(),
    'action', e.action,
    'outcome', e.outcome,
    'actor', e.actor,
    'project', e.project,
    'resource', e.resource,
    'requestId', e.requestId,
  ];
  if (e.via) out.push('via', e.via);
  if (e.region) out.push('region', e.region);
  if (e.errorCode) out.push('errorCode', e.errorCode);
  if (e.keyVersion !== undefined && e.keyVersion !== null) out.push('keyVersion', String(e.keyVersion));
  if (e.count !== undefined && e.count !== null && e.count > 1) out.push('count', String(e.count));
  return out;
}

function decode(id: string, kv: string[]): AuditEvent {
  const m: Record<string, string> = {};
  for (let i = 0; i < kv.length; i += 2) m[kv[i]] = kv[i + 1];
  return {
    id,
    time: m.time,
    action: m.action as AuditAction,
    outcome: m.outcome as AuditOutcome,
    actor: m.actor,
    via: m.via ?? null,
    project: m.project,
    region: m.region ?? null,
    resource: m.resource,
    requestId: m.requestId,
    errorCode: m.errorCode ?? null,
    keyVersion: m.keyVersion !== undefined ? Number(m.keyVersion) : null,
    count: m.count !== undefined ? Number(m.count) : null,
  };
}

function matches(e: AuditEvent, f: AuditFilter): boolean {
  return (
    (!f.action || e.action === f.action) &&
    (!f.resource || e.resource === f.resource) &&
    (!f.actor || e.actor === f.actor) &&
    (!f.requestId || e.requestId === f.requestId) &&
    (!f.predicate || f.predicate(e))
  );
}
