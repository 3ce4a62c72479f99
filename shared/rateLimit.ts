import { validateProjectName } from './identifiers';
import type { RateLimitConfig } from './config';
import { GATE_FIELDS, gateState, gatesKey, readGates, type FeatureGateState } from './featureGates';
import type { Principal } from './principal';
import type { RedisClient } from './redis';

/** Length of one counting window; RATE_LIMIT_*_PER_MINUTE are requests per window. */
export const RATE_WINDOW_MS = 60_000;

/** How long a client request's verdict is remembered for its further subgraph fetches. */
const VERDICT_TTL_MS = RATE_WINDOW_MS;

/**
 * Redis layout (one hash tag per project, so one script sees all three keys, also on a cluster):
 *   rl:{<project>}:t:<tokenId>   string — requests of the token in its current window (PX = rest of window)
 *   rl:{<project>}:p             string — requests of the project in its current window
 *   rl:{<project>}:r:<requestId> string — the verdict given to one client request ("ok" or "t|p:<ms>")
 *
 * A fixed window that opens with its first request (INCR, then PEXPIRE on the first): no clock
 * needs to agree between replicas, and Retry-After is the window's remaining PTTL. A burst of up
 * to twice the limit is possible across a window boundary; that is the price of one round trip.
 *
 * One client request fans out to several subgraph fetches; the gateway gives each client request
 * an id of its own (x-gateway-request, which only it can send: subgraphs need the internal
 * secret), and the first fetch's verdict is stored under that id and answered to the others, so a
 * request counts once and is refused or admitted as a whole. A token over its own limit does not
 * use up the project's budget (the project counter moves only for requests the token may make).
 *
 * A subgraph whose every operation checks a feature gate (kms) has the script read the caller's
 * gates too, with a fourth key (gates:{<project>}, the same hash tag): one command for both.
 *
 * KEYS: verdict (or the token key again when there is no gateway id), token, project[, gates].
 * ARGV: hasVerdictKey, tokenLimit, projectLimit, windowMs, verdictTtlMs.
 * Returns 'ok', or 't:<ms>' / 'p:<ms>' (which limit, and the window's remaining milliseconds);
 * with the gates key, a list: the verdict, then for an admitted request each gate field's value
 * ('' for none).
 */
const ADMIT_LUA = `
local function gated(verdict)
  if #KEYS < 4 then return verdict end
  if verdict ~= 'ok' then return { verdict } end
  local g = redis.call('HMGET', KEYS[4], '${GATE_FIELDS.join("', '")}')
  for i = 1, #g do g[i] = g[i] or '' end
  table.insert(g, 1, verdict)
  return g
end
if ARGV[1] == '1' then
  local prior = redis.call('GET', KEYS[1])
  if prior then return gated(prior) end
end
local window = tonumber(ARGV[4])
local function count(key)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window) end
  return n
end
local function rest(key)
  local ms = redis.call('PTTL', key)
  if ms < 0 then ms = window end
  return ms
end
local verdict = 'ok'
local tokenLimit, projectLimit = tonumber(ARGV[2]), tonumber(ARGV[3])
if tokenLimit > 0 and count(KEYS[2]) > tokenLimit then
  verdict = 't:' .. rest(KEYS[2])
elseif projectLimit > 0 then
  if tonumber(redis.call('GET', KEYS[3]) or '0') >= projectLimit then
    verdict = 'p:' .. rest(KEYS[3])
  else
    count(KEYS[3])
  end
end
if ARGV[1] == '1' then redis.call('SET', KEYS[1], verdict, 'PX', ARGV[5]) end
return gated(verdict)`;

export type RateVerdict = { ok: true } | { ok: false; limit: 'token' | 'project'; retryAfterSeconds: number };

/** A verdict and, for an admitted request, the caller's feature gates (null when refused). */
export interface GatedVerdict {
  verdict: RateVerdict;
  gates: FeatureGateState | null;
}

type AdmitCommand = (...keysThenArgv: string[]) => Promise<unknown>;

/** A gateway request id as forwarded: anything else is ignored (the fetch then counts on its own). */
const GATEWAY_REQUEST_RE = /^[A-Za-z0-9-]{16,64}$/;

/**
 * Per-token and per-project request rates, shared by every replica through Redis. A Redis failure
 * propagates (STORE_UNAVAILABLE): every operation needs Redis anyway, so none is admitted unmetered.
 */
export class RateLimiter {
  private readonly redis: RedisClient & { rateAdmit: AdmitCommand; rateAdmitGated: AdmitCommand };

  constructor(redis: RedisClient, private readonly limits: RateLimitConfig) {
    const r = redis as RedisClient & Record<string, unknown>;
    if (typeof r.rateAdmit !== 'function') redis.defineCommand('rateAdmit', { numberOfKeys: 3, lua: ADMIT_LUA });
    if (typeof r.rateAdmitGated !== 'function') redis.defineCommand('rateAdmitGated', { numberOfKeys: 4, lua: ADMIT_LUA });
    this.redis = r as unknown as RateLimiter['redis'];
  }

  get enabled(): boolean {
    return this.limits.tokenPerMinute > 0 || this.limits.projectPerMinute > 0;
  }

  /** Counts one client request of `principal` (`gatewayRequest`: the gateway's id of it, if any). */
  async admit(principal: Pick<Principal, 'tokenId' | 'project'>, gatewayRequest: string | undefined): Promise<RateVerdict> {
    if (!this.enabled) return { ok: true };
    const { keys, argv } = this.keysAndArgv(principal, gatewayRequest);
    return verdictOf(await this.redis.rateAdmit(...keys, ...argv));
  }

  /**
   * As admit, and the caller's feature gates (shared/featureGates.ts) read by the same script
   * call; with no limit configured, the gates alone (one HMGET). A Redis failure rejects both.
   */
  async admitReadingGates(principal: Pick<Principal, 'tokenId' | 'project'>, gatewayRequest: string | undefined): Promise<GatedVerdict> {
    if (!this.enabled) return { verdict: { ok: true }, gates: await readGates(this.redis, principal.project) };
    const { keys, argv } = this.keysAndArgv(principal, gatewayRequest);
    const [verdict, ...gates] = (await this.redis.rateAdmitGated(...keys, gatesKey(principal.project), ...argv)) as string[];
    const v = verdictOf(verdict);
    return { verdict: v, gates: v.ok ? gateState(gates) : null };
  }

  private keysAndArgv(principal: Pick<Principal, 'tokenId' | 'project'>, gatewayRequest: string | undefined): { keys: string[]; argv: string[] } {
    const tag = `rl:{${validateProjectName(principal.project)}}`;
    const tokenKey = `${tag}:t:${principal.tokenId}`;
    const rid = gatewayRequest && GATEWAY_REQUEST_RE.test(gatewayRequest) ? gatewayRequest : null;
    return {
      keys: [rid ? `${tag}:r:${rid}` : tokenKey, tokenKey, `${tag}:p`],
      argv: [rid ? '1' : '0', String(this.limits.tokenPerMinute), String(this.limits.projectPerMinute), String(RATE_WINDOW_MS), String(VERDICT_TTL_MS)],
    };
  }
}

function verdictOf(reply: unknown): RateVerdict {
  if (reply === 'ok') return { ok: true };
  const [which, ms] = String(reply).split(':');
  return { ok: false, limit: which === 'p' ? 'project' : 'token', retryAfterSeconds: Math.max(1, Math.ceil(Number(ms) / 1000)) };
}
