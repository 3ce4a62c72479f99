import { createHash, randomUUID } from 'node:crypto';
import { validateProjectName } from './identifiers';
import type { RedisClient } from './redis';
import { badInput } from './errors';
import { APPEND_MANY_BODY, packAppendMany } from './auditBatch';
import { backlogChecked, backlogFullKey, refuseWhenFull } from './auditBacklog';

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

// Every key name goes through these, so a project outside the shared rule never becomes a hash tag.
const streamKey = (project: string) => `audit:{${validateProjectName(project)}}`;
/** Write-ahead records of state changes under way; same hash tag as the stream, so settling is atomic. */
const intentsKey = (project: string) => `audit:{${validateProjectName(project)}}:intents`;

/** The filter fields with a secondary index, kept with every append (same hash tag as the stream). */
export const INDEXED_FIELDS = ['requestId', 'resource', 'actor', 'action'] as const;
type IndexedField = (typeof INDEXED_FIELDS)[number];
/** Values short and plain enough to name a key as they are; any other value is named by its SHA-256. */
const PLAIN_INDEX_VALUE = /^[A-Za-z0-9._:/@-]{1,64}$/;

/**
 * `audit:{p}:by:<field>:=<value>` or `...:#<sha256 hex>`: a sorted set of the stream ids of the
 * events with that value, so a filtered lookup reads only its matches. The two forms cannot meet
 * ('#' is not in the plain alphabet), and no user string makes a key name longer than ~100 bytes.
 */
export function indexKey(project: string, field: IndexedField, value: string): string {
  const v = PLAIN_INDEX_VALUE.test(value) ? `=${value}` : `#${createHash('sha256').update(value, 'utf8').digest('hex')}`;
  return `audit:{${validateProjectName(project)}}:by:${field}:${v}`;
}
const indexKeysOf = (project: string, e: AuditEventInput) => INDEXED_FIELDS.map((f) => indexKey(project, f, e[f]));
/** An event's indexed [field, value] pairs. */
const indexPairsOf = (e: AuditEventInput) => INDEXED_FIELDS.map((f) => [f, e[f]] as const);

/**
 * Index members are stream ids in a text form whose byte order is the ids' order (every member has
 * score 0, read with ZREVRANGEBYLEX): each decimal part as its length in a letter (a = 1 digit ...
 * t = 20), then its digits. `1700000000000-3` -> `m1700000000000a3`.
 */
function indexMember(id: string): string {
  const [ms, seq] = id.split('-').map((p) => BigInt(p).toString());
  return `${String.fromCharCode(96 + ms.length)}${ms}${String.fromCharCode(96 + seq.length)}${seq}`;
}
/** Member of the smallest id at or after `ms`: a bare `m...` part sorts before any `m...a0`. */
const msMember = (ms: number) => `${String.fromCharCode(96 + String(ms).length)}${ms}`;

/**
 * Lua: fails before any write if the project's backlog flag is set (KEYS[FULL], the last key, when
 * FULL > 0) or a key the append writes is not of its type (a script is not rolled back).
 */
const CHECK_TYPES = `
if FULL > 0 then ${refuseWhenFull('FULL')} end
local function writable(i, want)
  local t = redis.call('TYPE', KEYS[i])['ok']
  return t == want or t == 'none'
end
for i = 1, #KEYS do
  if i ~= FULL and not writable(i, (i == 1 and 'stream') or (i == INTENTS and 'hash') or 'zset') then
    return redis.error_reply('WRONGTYPE audit key is not writable')
  end
end`;
/** Lua: the event enters the stream and its id every index of KEYS[FIRST_INDEX..], in one step. */
const ADD_EVENT = `
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, FIRST_FIELD))
local d = string.find(id, '-', 1, true)
local ms, seq = string.sub(id, 1, d - 1), string.sub(id, d + 1)
local member = string.char(96 + #ms) .. ms .. string.char(96 + #seq) .. seq
for i = FIRST_INDEX, LAST_INDEX do redis.call('ZADD', KEYS[i], 0, member) end
return id`;

/**
 * Appends an event unless the backlog is full (KEYS: stream, indexes, backlog flag; ARGV: fields).
 * No count-based trimming: retention is by time (the archiver trims).
 */
const APPEND = `local INTENTS, FULL = 0, #KEYS\n${CHECK_TYPES}\nlocal FIRST_FIELD, FIRST_INDEX, LAST_INDEX = 1, 2, #KEYS - 1\n${ADD_EVENT}`;

/**
 * Publishes a settled intent: the event enters the stream and the intent goes, in one step (KEYS:
 * stream, intents, indexes). Not refused for a full backlog: the intent reserved the event's place,
 * and the change it stands for may have happened.
 */
const SETTLE = `local INTENTS, FULL = 2, 0\n${CHECK_TYPES}
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return false end
local FIRST_FIELD, FIRST_INDEX, LAST_INDEX = 2, 3, #KEYS\n${ADD_EVENT}`;

/**
 * One batch of an index, newest first, with the events it names (KEYS: index, stream; ARGV: max,
 * min, count). An entry whose event is gone from the stream comes back with no fields.
 */
const INDEX_PAGE = `
local out = {}
for _, m in ipairs(redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local l1 = string.byte(m, 1) - 96
  local l2 = string.byte(m, 2 + l1) - 96
  local id = string.sub(m, 2, 1 + l1) .. '-' .. string.sub(m, 3 + l1, 2 + l1 + l2)
  local row = redis.call('XRANGE', KEYS[2], id, id)[1]
  out[#out + 1] = { id, row and row[2] or {} }
end
return out`;

/**
 * Removes archived events with id < ARGV[1] together with their index entries (KEYS: stream, then
 * the indexes; ARGV: min id, then per index key a member count followed by those members).
 */
const TRIM = `
local a = 2
for k = 2, #KEYS do
  local n = tonumber(ARGV[a])
  for i = a + 1, a + n do redis.call('ZREM', KEYS[k], ARGV[i]) end
  a = a + n + 1
end
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])`;

/**
 * Appends many events of one project in one step (auditBatch.ts; KEYS: its keys, then the backlog
 * flag); the flag and every key's type are checked before the first write.
 */
const APPEND_MANY = `local INTENTS, FULL = 0, #KEYS\n${CHECK_TYPES}\n${APPEND_MANY_BODY}`;

const SCRIPTS = { auditAppend: APPEND, auditAppendMany: APPEND_MANY, auditSettle: SETTLE, auditIndexPage: INDEX_PAGE };

/**
 * Records an intent only if the backlog is not full (KEYS[3]) and the stream can take the final
 * event (exists as a stream, or not yet).
 */
const BEGIN = `
${refuseWhenFull('3')}
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'stream' and t ~= 'none' then return redis.error_reply('WRONGTYPE audit stream is not writable') end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** A state change whose audit event is reserved but not yet final. */
export interface AuditIntent {
  id: string;
  event: AuditEventInput;
}
/** Bounded work per request: after this many entries read (stream or index), a short page comes back with a cursor. */
const MAX_SCAN_PER_PAGE = 20000;
/** Events per trim step: each step is one script, so Redis is never blocked for long. */
const TRIM_BATCH = 500;

type Page = { events: AuditEvent[]; endCursor: string | null; hasNextPage: boolean };

/**
 * Append-only audit log: one Redis stream per project, plus a secondary index per filter field
 * value. Appends are awaited by callers before a result is returned (fail closed); a failed append
 * surfaces as STORE_UNAVAILABLE. Nothing here trims by count: events leave only via trimArchived.
 */
export class AuditLog {
  constructor(private readonly redis: RedisClient) {
    // Registered scripts go by EVALSHA: an append sends its fields, not the script.
    const r = redis as RedisClient & Record<string, unknown>;
    for (const [name, lua] of Object.entries(SCRIPTS)) if (typeof r[name] !== 'function') redis.defineCommand(name, { lua });
  }

  private script(name: keyof typeof SCRIPTS, keys: string[], args: string[]): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name](keys.length, ...keys, ...args);
  }

  /** Rejects with AuditBacklogFull, writing nothing, while the project's backlog is over the bound. */
  async append(e: AuditEventInput): Promise<string> {
    const keys = [streamKey(e.project), ...indexKeysOf(e.project, e), backlogFullKey(e.project)];
    return (await backlogChecked(e.project, this.script('auditAppend', keys, fields(e)))) as string;
  }

  /**
   * Many events of ONE project (a batch's per-item events) in one script call: all or none are
   * written. Resolves to their ids in order; rejects if the log could not take them (AuditBacklogFull
   * while the project's backlog is over the bound).
   */
  async appendMany(events: AuditEventInput[]): Promise<string[]> {
    if (events.length === 0) return [];
    const project = events[0].project;
    if (events.some((e) => e.project !== project)) throw new Error('appendMany takes the events of one project');
    // One time for the batch (one step); see auditBatch.ts for what travels once.
    const time = new Date().toISOString();
    const { keys, args } = packAppendMany(streamKey(project), events.map((e) => fields(e, time)), events.map(indexPairsOf), (f, v) => indexKey(project, f as IndexedField, v));
    keys.push(backlogFullKey(project));
    return (await backlogChecked(project, this.script('auditAppendMany', keys, args))) as string[];
  }

  /**
   * Before a state change: records the intent in the project's audit slot. If this write fails,
   * nothing has changed yet and the change must not happen (fail closed). Refused the same way
   * (AuditBacklogFull) while the project's backlog is over the bound.
   */
  async begin(e: AuditEventInput): Promise<AuditIntent> {
    const id = randomUUID();
    const p = e.project;
    await backlogChecked(p, this.redis.eval(BEGIN, 3, streamKey(p), intentsKey(p), backlogFullKey(p), id, JSON.stringify({ at: Date.now(), event: e })));
    return { id, event: e };
  }

  /**
   * After the change (or its failure): the final event (with its index entries) replaces the intent
   * atomically. Exactly once: an intent already settled (e.g. recovered as OUTCOME_UNKNOWN) yields
   * null and no event.
   */
  async settle(intent: AuditIntent, final: AuditEventInput): Promise<string | null> {
    const p = intent.event.project;
    const keys = [streamKey(p), intentsKey(p), ...indexKeysOf(p, final)];
    const id = await this.script('auditSettle', keys, [intent.id, ...fields(final)]);
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


  /**
   * Newest first. `after` is the cursor returned by the previous page (a stream id). With a value
   * for an indexed field, reads that field's index (the smallest of those given), so the work is
   * proportional to the matches, however deep they lie; otherwise scans the stream.
   */
  async query(project: string, filter: AuditFilter, first: number, after: string | null): Promise<Page> {
    if (after !== null && !isExclusiveStreamBound(after)) throw badInput('after is not a valid cursor');
    // Stream ids start at 0-0 (1970): nothing lies before it, and Redis refuses a negative id.
    if (filter.until && filter.until.getTime() < 0) return { events: [], endCursor: null, hasNextPage: false };
    const given = INDEXED_FIELDS.filter((f) => filter[f]);
    if (given.length === 0) return this.scanStream(project, filter, first, after);
    const keys = given.map((f) => indexKey(project, f, filter[f]!));
    let key = keys[0];
    if (keys.length > 1) {
      const sizes = await Promise.all(keys.map((k) => this.redis.zcard(k)));
      key = keys[sizes.indexOf(Math.min(...sizes))];
    }
    return this.scanIndex(project, key, filter, first, after);
  }

  private async scanIndex(project: string, key: string, filter: AuditFilter, first: number, after: string | null): Promise<Page> {
    // Lex bounds over members (see indexMember): `(m` excludes m itself, `[m` includes it.
    const untilBound = filter.until ? msMember(filter.until.getTime() + 1) : null;
    const afterBound = after ? indexMember(after) : null;
    let upper = untilBound && (!afterBound || untilBound < afterBound) ? `(${untilBound}` : afterBound ? `(${afterBound}` : '+';
    const lower = filter.since && filter.since.getTime() > 0 ? `[${msMember(filter.since.getTime())}` : '-';
    const events: AuditEvent[] = [];
    let scanned = 0;
    let lastScanned: string | null = null;
    const batch = Math.min(Math.max(first + 1, 100), 1000);
    for (;;) {
      const rows = (await this.script('auditIndexPage', [key, streamKey(project)], [upper, lower, String(batch)])) as [string, string[]][];
      for (const [id, kv] of rows) {
        lastScanned = id;
        scanned++;
        // An entry whose event has left the stream (trimmed) is skipped; every field is checked
        // again on the event itself, so a shared index key (hashed value) never widens a result.
        if (kv.length === 0) continue;
        const ev = decode(id, kv);
        if (matches(ev, filter)) {
          if (events.length === first) return { events, endCursor: events[events.length - 1].id, hasNextPage: true };
          events.push(ev);
        }
      }
      if (rows.length < batch) break;
      if (scanned >= MAX_SCAN_PER_PAGE) return { events, endCursor: lastScanned, hasNextPage: true };
      upper = `(${indexMember(lastScanned!)}`;
    }
    return { events, endCursor: events.length ? events[events.length - 1].id : null, hasNextPage: false };
  }

  private async scanStream(project: string, filter: AuditFilter, first: number, after: string | null): Promise<Page> {
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
   * Removes the project's events up to and including `upToId`, with their index entries, oldest
   * first, one atomic script per batch: an event and its index entries leave together, and an
   * interrupted trim resumes where it stopped. The archiver calls it only for events already
   * archived and past retention. Resolves to how many entries went.
   */
  async trimArchived(project: string, upToId: string): Promise<number> {
    const up = parseStreamId(upToId);
    if (!up) throw badInput('upToId is not a stream id');
    const stream = streamKey(project);
    let removed = 0;
    for (;;) {
      const rows = (await this.redis.xrange(stream, '-', upToId, 'COUNT', TRIM_BATCH)) as [string, string[]][];
      if (rows.length === 0) return removed;
      const byKey = new Map<string, string[]>();
      for (const [id, kv] of rows) {
        const member = indexMember(id);
        for (const k of indexKeysOf(project, decode(id, kv))) {
          const list = byKey.get(k);
          if (list) list.push(member);
          else byKey.set(k, [member]);
        }
      }
      // MINID keeps ids >= its argument: just past this batch's last id, which is at most upToId,
      // so an event appended meanwhile is never removed without its index entries.
      const argv: string[] = [nextStreamId(parseStreamId(rows[rows.length - 1][0])!)];
      for (const members of byKey.values()) argv.push(String(members.length), ...members);
      removed += Number(await this.redis.eval(TRIM, 1 + byKey.size, stream, ...byKey.keys(), ...argv));
      if (rows.length < TRIM_BATCH) return removed;
    }
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

function parseStreamId(id: string): [bigint, bigint] | null {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(id);
  if (!m) return null;
  const [ms, seq] = [BigInt(m[1]), BigInt(m[2])];
  return ms <= MAX_STREAM_ID_PART && seq <= MAX_STREAM_ID_PART ? [ms, seq] : null;
}

/** The smallest id after `ms-seq`. */
function nextStreamId([ms, seq]: [bigint, bigint]): string {
  return seq === MAX_STREAM_ID_PART ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
}

function fields(e: AuditEventInput, time = new Date().toISOString()): string[] {
  const out: string[] = [
    'time', time,
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
