/**
 * Lua scripts of the secret store. Every script receives the six keys of ONE secret (same hash
 * tag, so it runs unchanged on Redis Cluster) through KEYS, never builds a key itself (so the
 * client's keyPrefix applies), and checks everything before its first write (Redis does not roll
 * back a script that fails half-way).
 *
 *   KEYS[1] meta      hash: region kmsKeyIdentity description tags createdAt updatedAt
 *                           currentVersion (0 = none) maxVersions nextVersion uid
 *   KEYS[2] versions  hash: <n> → {"s":state,"c":createdAt,"k":kmsKeyVersion,"b":valueBytes}
 *   KEYS[3] values    hash: <n> → ciphertext (absent once destroyed)
 *   KEYS[4] live      zset: numbers of versions that still hold a ciphertext (maxVersions counts these)
 *   KEYS[5] order     zset: every committed version number (for newest-first listing)
 *   KEYS[6] pending   hash: <n> → {"t":token,"e":expiresAtMs} reserved, not yet committed
 *
 * Scripts that can destroy values (COMMIT, UPDATE, SET_STATES, DELETE) also answer how many value
 * bytes they freed (the `b` of each version whose ciphertext went), so the store can give them back
 * to the project's storedBytes quota, which lives in another slot.
 *
 * Errors are `SECRETS_<CODE> <detail>` replies; secretCommands.ts (the typed calls of these
 * scripts) maps them to the API's errors. Key names come from keyLayout.ts.
 */

const COMMON = `
local function fail(code, detail) return redis.error_reply('SECRETS_' .. code .. ' ' .. (detail or '')) end
local FREED = 0
local function destroy(v)
  local raw = redis.call('HGET', KEYS[2], v)
  local bytes = 0
  if raw then
    local rec = cjson.decode(raw)
    bytes = tonumber(rec.b) or 0
    rec.s = 'DESTROYED'
    redis.call('HSET', KEYS[2], v, cjson.encode(rec))
  end
  if redis.call('HDEL', KEYS[3], v) == 1 then FREED = FREED + bytes end
  redis.call('ZREM', KEYS[4], v)
end
-- Keeps at most maxv versions holding a ciphertext: the oldest beyond that are destroyed.
local function trim(maxv)
  local n = redis.call('ZCARD', KEYS[4])
  if n <= maxv then return end
  local olds = redis.call('ZRANGE', KEYS[4], 0, n - maxv - 1)
  for _, v in ipairs(olds) do destroy(v) end
end
-- A reservation that will never be committed. The highest one gives its number back (no gap, and
-- nobody ever saw it); a lower one cannot, since later numbers are already handed out: it is
-- recorded as a DESTROYED version, so the numbering stays gap-free and never reuses a number
-- anyone may have seen.
local function release(v, nowIso)
  redis.call('HDEL', KEYS[6], tostring(v))
  local nextv = tonumber(redis.call('HGET', KEYS[1], 'nextVersion'))
  if v == nextv - 1 then
    redis.call('HSET', KEYS[1], 'nextVersion', tostring(v))
  else
    redis.call('HSET', KEYS[2], tostring(v), cjson.encode({s = 'DESTROYED', c = nowIso, k = 0}))
    redis.call('ZADD', KEYS[5], v, tostring(v))
  end
end
local function sweep(nowMs, nowIso)
  local pend = redis.call('HGETALL', KEYS[6])
  local expired = {}
  for i = 1, #pend, 2 do
    local r = cjson.decode(pend[i + 1])
    if tonumber(r.e) <= nowMs then table.insert(expired, tonumber(pend[i])) end
  end
  table.sort(expired, function(a, b) return a > b end)
  for _, v in ipairs(expired) do release(v, nowIso) end
end
`;

/** ARGV: region identity hasDescription description tags nowIso maxVersions uid hasValue ciphertext kmsKeyVersion valueBytes */
export const CREATE = `${COMMON}
local e = redis.call('HMGET', KEYS[1], 'region', 'kmsKeyIdentity')
if e[1] then return fail('ALREADY_EXISTS', e[1] .. ' ' .. e[2]) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('HSET', KEYS[1], 'region', ARGV[1], 'kmsKeyIdentity', ARGV[2], 'tags', ARGV[5],
  'createdAt', ARGV[6], 'updatedAt', ARGV[6], 'currentVersion', '0', 'maxVersions', ARGV[7],
  'nextVersion', '1', 'uid', ARGV[8])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'description', ARGV[4]) end
if ARGV[9] == '1' then
  redis.call('HSET', KEYS[2], '1', cjson.encode({s = 'ENABLED', c = ARGV[6], k = tonumber(ARGV[11]), b = tonumber(ARGV[12])}))
  redis.call('HSET', KEYS[3], '1', ARGV[10])
  redis.call('ZADD', KEYS[4], 1, '1')
  redis.call('ZADD', KEYS[5], 1, '1')
  redis.call('HSET', KEYS[1], 'currentVersion', '1', 'nextVersion', '2')
end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * ARGV: nowMs ttlMs token expected('' = no check) nowIso
 * CAS is decided here, at the moment the number is handed out: it holds only if the current
 * version is the expected one AND no other write is in flight (an in-flight write would become
 * current, or be given back); so of N concurrent puts expecting the same version exactly one
 * gets a number, the rest VERSION_CONFLICT before any KMS call.
 * Returns { version, uid, currentVersion }.
 */
export const RESERVE = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('NOT_FOUND', '') end
sweep(tonumber(ARGV[1]), ARGV[5])
local cur = tonumber(redis.call('HGET', KEYS[1], 'currentVersion'))
if ARGV[4] ~= '' then
  if cur ~= tonumber(ARGV[4]) or redis.call('HLEN', KEYS[6]) > 0 then return fail('VERSION_CONFLICT', tostring(cur)) end
end
local v = tonumber(redis.call('HGET', KEYS[1], 'nextVersion'))
redis.call('HSET', KEYS[1], 'nextVersion', tostring(v + 1))
redis.call('HSET', KEYS[6], tostring(v), cjson.encode({t = ARGV[3], e = tonumber(ARGV[1]) + tonumber(ARGV[2])}))
return { v, redis.call('HGET', KEYS[1], 'uid'), cur }
`;

/**
 * ARGV: version token ciphertext kmsKeyVersion nowIso valueBytes
 * Stores the value under its reservation (token must match: an expired reservation may have been
 * given back or handed to someone else), advances currentVersion to the highest committed number,
 * applies maxVersions. Returns { the version's record (it may already be DESTROYED if it committed
 * out of order and is the oldest beyond maxVersions), bytes freed }.
 */
export const COMMIT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('NOT_FOUND', '') end
local raw = redis.call('HGET', KEYS[6], ARGV[1])
if not raw or cjson.decode(raw).t ~= ARGV[2] then return fail('VERSION_CONFLICT', 'reservation') end
redis.call('HDEL', KEYS[6], ARGV[1])
local v = tonumber(ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({s = 'ENABLED', c = ARGV[5], k = tonumber(ARGV[4]), b = tonumber(ARGV[6])}))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[4], v, ARGV[1])
redis.call('ZADD', KEYS[5], v, ARGV[1])
if v > tonumber(redis.call('HGET', KEYS[1], 'currentVersion')) then redis.call('HSET', KEYS[1], 'currentVersion', ARGV[1]) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[5])
trim(tonumber(redis.call('HGET', KEYS[1], 'maxVersions')))
return { redis.call('HGET', KEYS[2], ARGV[1]), tostring(FREED) }
`;

/** ARGV: version token nowIso. Gives a reservation back (see release). Returns 1, or 0 if it was not held. */
export const RELEASE = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local raw = redis.call('HGET', KEYS[6], ARGV[1])
if not raw or cjson.decode(raw).t ~= ARGV[2] then return 0 end
release(tonumber(ARGV[1]), ARGV[3])
return 1
`;

/** ARGV: nowIso hasDescription description('' + flag 2 = clear) hasTags tags hasMax maxVersions. Returns { bytes freed, metadata }. */
export const UPDATE = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('NOT_FOUND', '') end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'description', ARGV[3]) end
if ARGV[2] == '2' then redis.call('HDEL', KEYS[1], 'description') end
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'tags', ARGV[5]) end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'maxVersions', ARGV[7])
  trim(tonumber(ARGV[7]))
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
return { tostring(FREED), redis.call('HGETALL', KEYS[1]) }
`;

/**
 * ARGV: nowIso nextFromENABLED nextFromDELETED nextFromDESTROYED version…
 * The transition table comes from the domain ('' = not allowed). All-or-nothing: every version is
 * checked before the first write. Returns { bytes freed, metadata }.
 */
export const SET_STATES = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('NOT_FOUND', '') end
local to = { ENABLED = ARGV[2], DELETED = ARGV[3], DESTROYED = ARGV[4] }
local recs = {}
for i = 5, #ARGV do
  local raw = redis.call('HGET', KEYS[2], ARGV[i])
  if not raw then return fail('NOT_FOUND', 'version ' .. ARGV[i]) end
  local rec = cjson.decode(raw)
  if to[rec.s] == '' then return fail('NOT_FOUND', 'destroyed ' .. ARGV[i]) end
  recs[i] = rec
end
for i = 5, #ARGV do
  local rec = recs[i]
  local target = to[rec.s]
  if target ~= rec.s then
    if target == 'DESTROYED' then
      destroy(ARGV[i])
    else
      rec.s = target
      redis.call('HSET', KEYS[2], ARGV[i], cjson.encode(rec))
    end
  end
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
return { tostring(FREED), redis.call('HGETALL', KEYS[1]) }
`;

/** Removes every key of the secret. Returns { region, kmsKeyIdentity, bytes freed } of what was deleted, or nil. */
export const DELETE = `
local e = redis.call('HMGET', KEYS[1], 'region', 'kmsKeyIdentity')
if not e[1] then return nil end
local bytes = 0
for _, v in ipairs(redis.call('HKEYS', KEYS[3])) do
  local raw = redis.call('HGET', KEYS[2], v)
  if raw then bytes = bytes + (tonumber(cjson.decode(raw).b) or 0) end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return { e[1], e[2], tostring(bytes) }
`;

/**
 * The meta fields a reveal reads (domain RevealMeta), in the order of a reveal row: a reveal
 * reads these and the version's record and ciphertext, nothing else of the secret.
 */
export const REVEAL_FIELDS = ['region', 'kmsKeyIdentity', 'createdAt', 'currentVersion', 'uid'] as const;
const HMGET_REVEAL = `redis.call('HMGET', KEYS[1], ${REVEAL_FIELDS.map((f) => `'${f}'`).join(', ')})`;

/**
 * ARGV: version ('' = currentVersion). Everything a reveal needs in one round trip, as one flat
 * reveal row: { REVEAL_FIELDS…, record json, ciphertext } (false where absent; all false for no secret).
 */
export const READ_VALUE = `
local m = ${HMGET_REVEAL}
local v = ARGV[1]
if v == '' then v = m[4] end
if m[1] and v then
  m[6] = redis.call('HGET', KEYS[2], v)
  m[7] = redis.call('HGET', KEYS[3], v)
else m[6] = false; m[7] = false end
return m
`;

/** ARGV: maxExclusive('+inf' or number) count. Newest first: { meta (flat), [n, json]… } */
export const LIST_VERSIONS = `
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return { meta } end
local max = ARGV[1]
if max ~= '+inf' then max = '(' .. max end
local nums = redis.call('ZREVRANGEBYSCORE', KEYS[5], max, '-inf', 'LIMIT', 0, tonumber(ARGV[2]))
local out = { meta }
for _, n in ipairs(nums) do
  table.insert(out, n)
  table.insert(out, redis.call('HGET', KEYS[2], n) or '')
end
return out
`;

/** Scripts of the project's quotas: they take keys of the project's index slot, not a secret's. */

/**
 * KEYS: all-paths index, bound-key index. ARGV: path, max secrets (0 = none). Indexes a new
 * secret unless the project is at its secrets quota (0); a path already indexed is admitted again.
 */
export const INDEX_NEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local max = tonumber(ARGV[2])
  if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
`;

/** KEYS: stored-bytes counter. ARGV: bytes, max (0 = none). Adds the bytes unless that passes the quota (0). */
export const RESERVE_BYTES = `
local n = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
if max > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') + n > max then return 0 end
redis.call('INCRBY', KEYS[1], n)
return 1
`;

/**
 * Scripts on a key's last-access index `sec:idx:{p}:used:<region>:<identity>` (KEYS[1]; ZSET,
 * member = path, score = last reveal in ms). Not per secret: they take one key, not the six above.
 */

/**
 * ARGV: path, time (ms), window (ms). Writes only when the stored time is at least a window older
 * (or absent), so replicas that each saw "a first reveal this minute" write once between them,
 * and never moves the time backwards. Returns 1 if it wrote.
 */
export const RECORD_ACCESS = `
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if cur and tonumber(ARGV[2]) - tonumber(cur) < tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

/**
 * ARGV: since (ms), after ('' = from the start), limit (0 = count only), roots… (disjoint path
 * prefixes without trailing '/'; none = every path). Paths revealed at or after `since`, admitted
 * by a root by whole segments (like pathUnderPrefix). With a limit: the first `limit` of them
 * after `after` in byte order (the order of the path index and its cursors), flat
 * [path, score, …]; else their number. Byte order is compared by hand: Lua's `<` follows the
 * server's locale.
 */
export const ACCESSED = `
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local hits = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
local after = ARGV[2]
local limit = tonumber(ARGV[3])
local found = {}
local scores = {}
for i = 1, #hits, 2 do
  local p = hits[i]
  local ok = #ARGV < 4
  for j = 4, #ARGV do
    local r = ARGV[j]
    if p == r or string.sub(p, 1, #r + 1) == r .. '/' then ok = true break end
  end
  if ok and (after == '' or before(after, p)) then
    found[#found + 1] = p
    scores[p] = hits[i + 1]
  end
end
if limit == 0 then return #found end
table.sort(found, before)
local out = {}
for i = 1, math.min(limit, #found) do
  out[#out + 1] = found[i]
  out[#out + 1] = scores[found[i]]
end
return out
`;
