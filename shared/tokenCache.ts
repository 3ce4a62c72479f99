import { performance } from 'node:perf_hooks';
import type { Principal } from './principal';

/**
 * The longest a successful token lookup may be reused (TOKEN_CACHE_MS at most): a revocation,
 * also one written by another replica or cascading from a creator or the root token, takes effect
 * on every replica within this long.
 */
export const TOKEN_CACHE_MAX_MS = 1000;
const MAX_ENTRIES = 10_000;

/**
 * Per-process memo of successful token lookups (record read, MAC check, creators' and root's
 * revocation flags), keyed by the SHA-256 of the presented token, never the token. An entry's age
 * counts from when its first Redis read was sent, so whatever was written after that read is seen
 * at most `maxAgeMs` later; failures are never remembered. Expiry is not decided here: the caller
 * checks it against its clock on every use. Bounded: the oldest entries go first.
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; readAt: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly maxEntries = MAX_ENTRIES,
  ) {
    if (!(maxAgeMs >= 0 && maxAgeMs <= TOKEN_CACHE_MAX_MS)) throw new Error(`token cache age must be 0..${TOKEN_CACHE_MAX_MS} ms`);
  }

  /** The time to pass to `set` for a lookup whose reads start now. */
  now(): number {
    return this.clock();
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.clock() - e.readAt >= this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Remembers a successful lookup whose first read was sent at `readAt` (from `now()`). */
  set(key: string, value: V, readAt: number): void {
    if (this.maxAgeMs === 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, readAt });
  }

  /** Forgets everything: a revocation made by this process holds here from the next request on. */
  clear(): void {
    this.entries.clear();
  }
}

/** A cached principal is shared by the requests that reuse it: none of them may change it. */
export function frozen(p: Principal): Principal {
  Object.freeze(p.scopes);
  if (p.pathPrefixes) Object.freeze(p.pathPrefixes);
  if (p.lineage) Object.freeze(p.lineage);
  return Object.freeze(p);
}
