/**
 * How a batch of audit events (AuditLog.appendMany) travels to its one script call. A batch's
 * events mostly share their fields (time, action, actor, project, requestId, region…) and three of
 * their four index keys (requestId, actor, action), so each of those goes once: KEYS are the
 * stream and each distinct index key; ARGV is the count and the pairs every event holds alike,
 * then per event its count and its own pairs, and its index count and those keys' positions in
 * KEYS. The script gives each index all its members in one ZADD. An event's stored fields are
 * the same as by append (the shared ones first).
 */

/** Lua after the type checks: XADD per event in order, then one ZADD per index; returns the ids. */
export const APPEND_MANY_BODY = `
local nc = tonumber(ARGV[1])
local members, ids, a = {}, {}, 2 + nc
while a <= #ARGV do
  local f = {}
  for i = 2, 1 + nc do f[#f + 1] = ARGV[i] end
  local n = tonumber(ARGV[a])
  for i = a + 1, a + n do f[#f + 1] = ARGV[i] end
  local id = redis.call('XADD', KEYS[1], '*', unpack(f))
  local d = string.find(id, '-', 1, true)
  local ms, seq = string.sub(id, 1, d - 1), string.sub(id, d + 1)
  local member = string.char(96 + #ms) .. ms .. string.char(96 + #seq) .. seq
  a = a + n + 1
  for i = a + 1, a + tonumber(ARGV[a]) do
    local k = tonumber(ARGV[i])
    local l = members[k]
    if not l then l = {}; members[k] = l end
    l[#l + 1] = 0
    l[#l + 1] = member
  end
  a = a + tonumber(ARGV[a]) + 1
  ids[#ids + 1] = id
end
for k, l in pairs(members) do
  for i = 1, #l, 1000 do redis.call('ZADD', KEYS[k], unpack(l, i, math.min(i + 999, #l))) end
end
return ids`;

/**
 * KEYS and ARGV of one batch: `fieldLists` are the events' [name, value, …] lists, `indexes`
 * their index keys as [name, make key] (one key per distinct name, made once).
 */
export function packAppendMany(
  stream: string,
  fieldLists: string[][],
  indexes: (readonly [string, () => string])[][],
): { keys: string[]; args: string[] } {
  const common = commonPairs(fieldLists);
  const keys = [stream];
  const position = new Map<string, number>();
  const args: string[] = [String(common.size * 2)];
  for (const [k, v] of common) args.push(k, v);
  fieldLists.forEach((list, i) => {
    const own: string[] = [];
    for (let j = 0; j < list.length; j += 2) if (common.get(list[j]) !== list[j + 1]) own.push(list[j], list[j + 1]);
    args.push(String(own.length), ...own, String(indexes[i].length));
    for (const [name, key] of indexes[i]) {
      let at = position.get(name);
      if (at === undefined) {
        at = keys.push(key());
        position.set(name, at);
      }
      args.push(String(at));
    }
  });
  return { keys, args };
}

/** The name → value pairs that every one of the lists holds alike. */
function commonPairs(lists: string[][]): Map<string, string> {
  const common = new Map<string, string>();
  for (let j = 0; j < lists[0].length; j += 2) common.set(lists[0][j], lists[0][j + 1]);
  for (const list of lists.slice(1)) {
    const has = new Map<string, string>();
    for (let j = 0; j < list.length; j += 2) has.set(list[j], list[j + 1]);
    for (const [k, v] of common) if (has.get(k) !== v) common.delete(k);
  }
  return common;
}
