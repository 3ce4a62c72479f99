import { Cluster } from 'ioredis';
import { pipelined, type RedisClient } from './redis';

/** Keys one script call reads: bounds how long one call holds Redis. */
const HASHES_PER_SCRIPT = 250;
// KEYS: hashes. The flat HGETALL of each, in order (an empty table, encoded `{}`, for an absent one).
const HGETALL_MANY_LUA = `local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('HGETALL', k) end
return cjson.encode(out)`;
// KEYS: hashes. ARGV: fields. The HMGET of each, in order (false for an absent field).
const HMGET_MANY_LUA = `local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('HMGET', k, unpack(ARGV)) end
return cjson.encode(out)`;

/** A hash as read here: flat [field, value, …] from the script, an object from the client's HGETALL. */
export type FlatHash = string[] | Record<string, string>;

type ScriptName = 'hgetallManyJson' | 'hmgetManyJson';
type ScriptPipeline = Record<ScriptName, (n: number, ...args: string[]) => void> & { exec(): Promise<[Error | null, unknown][] | null> };

/**
 * One script call per HASHES_PER_SCRIPT keys, pipelined, each answering ONE JSON string: a page of
 * 200 records is one command instead of 200, and one reply string instead of thousands. ioredis'
 * per-command and per-reply-element cost (parse, Buffer → string, garbage) dominated reading small
 * hashes; JSON.parse of one string is native (a page: ~1 ms of client CPU → ~0.3 ms). Lua builds
 * the string in C (cjson), which costs Redis less than a nested reply of the same values.
 */
async function scriptMany<T>(redis: RedisClient, name: ScriptName, lua: string, keys: string[], argv: readonly string[]): Promise<T[]> {
  const r = redis as RedisClient & Partial<Record<ScriptName, unknown>>;
  if (typeof r[name] !== 'function') r.defineCommand(name, { lua });
  const pipe = r.pipeline() as unknown as ScriptPipeline;
  for (let i = 0; i < keys.length; i += HASHES_PER_SCRIPT) {
    const chunk = keys.slice(i, i + HASHES_PER_SCRIPT);
    pipe[name](chunk.length, ...chunk, ...argv);
  }
  const out: T[] = [];
  for (const [err, val] of (await pipe.exec()) ?? []) {
    if (err) throw err;
    for (const v of JSON.parse(val as string) as T[]) out.push(v);
  }
  return out;
}

/**
 * HGETALL of many hashes in one round trip, in order. On a single node the script above; on a
 * cluster, where a script may touch one slot only, one pipelined HGETALL per key (split per slot).
 */
export async function hgetallMany(redis: RedisClient, keys: string[]): Promise<FlatHash[]> {
  if (redis instanceof Cluster || keys.length < 2) return (await pipelined(redis, keys.map((k) => ['hgetall', k]))) as FlatHash[];
  return scriptMany<FlatHash>(redis, 'hgetallManyJson', HGETALL_MANY_LUA, keys, []);
}

/**
 * The same `fields` of many hashes in one round trip: per key its values in field order, null
 * where a field (or the whole hash) is absent. Reads only what the caller names (half the strings
 * of an HGETALL: no field names). On a cluster, one pipelined HMGET per key.
 */
export async function hmgetMany(redis: RedisClient, keys: string[], fields: readonly string[]): Promise<(string | null)[][]> {
  if (redis instanceof Cluster || keys.length < 2) return (await pipelined(redis, keys.map((k) => ['hmget', k, ...fields]))) as (string | null)[][];
  const rows = await scriptMany<(string | false)[]>(redis, 'hmgetManyJson', HMGET_MANY_LUA, keys, fields);
  for (const row of rows) for (let i = 0; i < row.length; i++) if (row[i] === false) (row as (string | null)[])[i] = null;
  return rows as (string | null)[][];
}

/** HMGET values as an object of the present fields; null when none is present (an absent hash). */
export function fieldsRecord(fields: readonly string[], values: readonly (string | null)[]): Record<string, string> | null {
  let out: Record<string, string> | null = null;
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) (out ??= {})[fields[i]] = v;
  }
  return out;
}

/** A flat or object hash as an object; null when it has no fields (absent). */
export function hashRecord(h: FlatHash | null | undefined): Record<string, string> | null {
  if (!h) return null;
  if (!Array.isArray(h)) return Object.keys(h).length ? h : null;
  if (h.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < h.length; i += 2) out[h[i]] = h[i + 1];
  return out;
}
