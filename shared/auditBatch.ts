/**
 * How a batch of audit events (AuditLog.appendMany) travels to its one script call. A batch's
 * events mostly share their fields (time, action, actor, project, requestId, region…) and three of
 * their four index keys (requestId, actor, action), so each of those goes once: KEYS are the
 * stream and each distinct index key; ARGV is the count and the pairs every event holds alike,
 * then per event its count and its own pairs, and its indexes' positions in KEYS as one
 * comma-separated argument. The script gives each index all its members in one ZADD. An event's
 * stored fields are the same as by append (the shared ones first).
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
  for p in string.gmatch(ARGV[a], '%d+') do
    local k = tonumber(p)
    local l = members[k]
    if not l then l = {}; members[k] = l end
    l[#l + 1] = 0
    l[#l + 1] = member
  end
  a = a + 1
  ids[#ids + 1] = id
end
for k, l in pairs(members) do
  for i = 1, #l, 1000 do redis.call('ZADD', KEYS[k], unpack(l, i, math.min(i + 999, #l))) end
end
return ids`;

/**
 * KEYS and ARGV of one batch: `fieldLists` are the events' [name, value, …] lists, `indexes`
 * their indexed [field, value] pairs; `keyOf` names an index key (once per distinct pair).
 */
export function packAppendMany(
  stream: string,
  fieldLists: string[][],
  indexes: (readonly [string, string])[][],
  keyOf: (field: string, value: string) => string,
): { keys: string[]; args: string[] } {
  const common = commonPairs(fieldLists);
  const keys = [stream];
  const position = new Map<string, Map<string, number>>();
  const args: string[] = [String(common.size * 2)];
  for (const [k, v] of common) args.push(k, v);
  fieldLists.forEach((list, i) => {
    const own: string[] = [];
    for (let j = 0; j < list.length; j += 2) if (common.get(list[j]) !== list[j + 1]) own.push(list[j], list[j + 1]);
    const at: number[] = [];
    for (const [field, value] of indexes[i]) {
      let byValue = position.get(field);
      if (!byValue) position.set(field, (byValue = new Map()));
      let n = byValue.get(value);
      if (n === undefined) byValue.set(value, (n = keys.push(keyOf(field, value))));
      at.push(n);
    }
    args.push(String(own.length), ...own, at.join(','));
  });
  return { keys, args };
}

/** The name → value pairs that every one of the lists holds alike (lists are short: a scan each). */
function commonPairs(lists: string[][]): Map<string, string> {
  const common = new Map<string, string>();
  for (let j = 0; j < lists[0].length; j += 2) common.set(lists[0][j], lists[0][j + 1]);
  for (let i = 1; i < lists.length && common.size > 0; i++) {
    for (const [k, v] of common) if (!holds(lists[i], k, v)) common.delete(k);
  }
  return common;
}

function holds(list: string[], name: string, value: string): boolean {
  for (let j = 0; j < list.length; j += 2) if (list[j] === name) return list[j + 1] === value;
  return false;
}
