import { createHmac } from 'node:crypto';
import { ApiError, badInput, definiteFailureCode } from './errors';
import { validateProjectName } from './identifiers';
import type { RedisClient } from './redis';

/**
 * `idempotencyKey` of createKmsKey, createSecret and putSecretValue: a retry with the same key and
 * the same input within IDEMPOTENCY_TTL_MS gets the first attempt's result, a different input under
 * the same key IDEMPOTENCY_CONFLICT.
 *
 * Redis: `idem:{<project>}:<scope>:<key>` string, JSON `{ h, s: 'pending' | 'done', r? }`, where
 * `scope` is the operation (and for kms its region) and `h` an HMAC of the canonical input (keyed,
 * so a stored hash cannot be matched against guessed values). The record cannot share the
 * resource's hash tag (it must exist before we know which resource, e.g. a secret's version), so:
 *   1. SET NX a `pending` marker before the change (PX: the attempt's own remaining time + a margin);
 *   2. run the change (it commits only before its deadline);
 *   3. SET the `done` record with the result's reference (PX 24 h).
 * A change that fails for certain (any code but STORE_UNAVAILABLE) drops its marker, so a retry runs
 * it again. A retry that finds `pending` polls until the first attempt settles, at most until its
 * own deadline (and at most PENDING_WAIT_MS): then it answers the result, or 503 (still running;
 * retry later). If a process dies between the commit and step 3, its marker expires and a retry
 * runs the change again (createKmsKey / createSecret then answer ALREADY_EXISTS).
 */
export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** How long past its own deadline a pending marker is kept (the attempt's post-commit work). */
const PENDING_MARGIN_MS = 30_000;
/** Pending marker life when the request announced no deadline. */
const PENDING_NO_DEADLINE_MS = 300_000;
const PENDING_WAIT_MS = 5_000;
const POLL_MS = 50;

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Optional, 1 to 128 characters `[A-Za-z0-9_.:-]` (BAD_USER_INPUT otherwise): a retry with the same key and the same input within 24 hours returns the first result instead of changing anything again; the same key with a different input is IDEMPOTENCY_CONFLICT (409).';

export function validateIdempotencyKey(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !IDEMPOTENCY_KEY_RE.test(v)) {
    throw badInput('idempotencyKey must be 1 to 128 characters of A-Z a-z 0-9 _ . : -', { field: 'idempotencyKey' });
  }
  return v;
}

/** A retry that found the first attempt still running when its own time was up: that attempt may still commit. */
export const stillInProgress = (code: 'REGION_UNAVAILABLE' | 'SERVICE_UNAVAILABLE', extensions: Record<string, unknown> = {}) =>
  new ApiError(code, 'An earlier request with this idempotencyKey is still in progress; retry with the same key to get its result', { ...extensions, retryAfter: 1 });

export const idempotencyConflict = () =>
  new ApiError('IDEMPOTENCY_CONFLICT', 'This idempotencyKey was already used with a different input');

/** JSON with object keys sorted and absent/null fields left out: the same input always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

interface StoredRecord {
  h: string;
  s: 'pending' | 'done';
  r?: string;
}

// KEYS: record. ARGV: the pending marker we wrote. Drops it only if it is still ours.
const DROP_PENDING_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface IdempotentCall<T> {
  project: string;
  /** Operation (and region for kms), e.g. `kms.create_key:us-east-1`. */
  scope: string;
  key: string;
  /** The operation's input without the key; hashed canonically. */
  input: unknown;
  /** The request's deadline (ms since epoch) or null: bounds the wait for a pending first attempt. */
  deadline: number | null;
  /** The 503 when the first attempt is still running (stillInProgress with the service's code). */
  unavailable: () => ApiError;
  /** Runs the change; `ref` names its result so `replay` can read it back. */
  run: () => Promise<{ value: T; ref: string }>;
  /** The first result, read back from its reference. */
  replay: (ref: string) => Promise<T>;
}

export class Idempotency {
  constructor(
    private readonly redis: RedisClient,
    private readonly hashKey: string,
  ) {
    this.redis.defineCommand('idemDropPending', { numberOfKeys: 1, lua: DROP_PENDING_LUA });
  }

  private recordKey(project: string, scope: string, key: string): string {
    return `idem:{${validateProjectName(project)}}:${scope}:${key}`;
  }

  private hash(scope: string, input: unknown): string {
    return createHmac('sha256', this.hashKey).update(scope).update('\0').update(canonicalJson(input)).digest('base64url');
  }

  async execute<T>(c: IdempotentCall<T>): Promise<T> {
    const k = this.recordKey(c.project, c.scope, c.key);
    const h = this.hash(c.scope, c.input);
    const waitUntil = Math.min(Date.now() + PENDING_WAIT_MS, c.deadline ?? Infinity);
    for (;;) {
      const pending = JSON.stringify({ h, s: 'pending' } satisfies StoredRecord);
      const ttl = c.deadline === null ? PENDING_NO_DEADLINE_MS : Math.max(0, c.deadline - Date.now()) + PENDING_MARGIN_MS;
      if ((await this.redis.set(k, pending, 'PX', ttl, 'NX')) === 'OK') return this.first(c, k, h, pending);
      const raw = await this.redis.get(k);
      if (raw === null) continue; // expired or dropped meanwhile: claim it
      const rec = JSON.parse(raw) as StoredRecord;
      if (rec.h !== h) throw idempotencyConflict();
      if (rec.s === 'done' && rec.r !== undefined) return c.replay(rec.r);
      // The first attempt is still running: wait for it, within this request's own time.
      if (Date.now() + POLL_MS >= waitUntil) throw c.unavailable();
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async first<T>(c: IdempotentCall<T>, k: string, h: string, pending: string): Promise<T> {
    let out: { value: T; ref: string };
    try {
      out = await c.run();
    } catch (err) {
      // Nothing changed for certain: let a retry run it again. On a store failure the outcome is
      // unknown; the marker stays until it expires, so a retry soon after cannot apply it twice.
      if (definiteFailureCode(err)) {
        await (this.redis as unknown as { idemDropPending(k: string, v: string): Promise<number> }).idemDropPending(k, pending).catch(() => undefined);
      }
      throw err;
    }
    // The change is committed: answer it even if its record cannot be written (the marker then expires).
    await this.redis.set(k, JSON.stringify({ h, s: 'done', r: out.ref } satisfies StoredRecord), 'PX', IDEMPOTENCY_TTL_MS).catch(() => undefined);
    return out.value;
  }
}
