import type { KeyRef, KeyUseLog } from './ports';

/** How often a key's use is written at most (per key, per replica; the store's script makes it per key overall). */
export const USAGE_WINDOW_MS = 60_000;
const MAX_TRACKED_KEYS = 100_000;

export interface KeyUsageOptions {
  /** Throttle window (ms); tests shorten or move it with their own clock. */
  windowMs?: number;
  /** Called with a failed write (never with values); the use is simply retried on the next one. */
  onError?: (err: unknown) => void;
}

/**
 * KmsKey.lastUsedAt, kept cheap: the first successful use of a key in each window is written to
 * Redis at once but not awaited (the answer never waits for it, and a failed write only loses
 * that record); later uses in the same window write nothing. Reads take the newer of the stored
 * time and what this process has recorded, so a use here counts even before its write lands.
 */
export class KeyUsage {
  /** Per key: the time of the last use this process wrote (or is writing). */
  private readonly written = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  readonly windowMs: number;

  constructor(private readonly store: KeyUseLog, private readonly now: () => Date, private readonly opts: KeyUsageOptions = {}) {
    this.windowMs = opts.windowMs ?? USAGE_WINDOW_MS;
  }

  /** Notes a successful crypto operation with the key. Synchronous: the write runs in the background. */
  record(ref: KeyRef): void {
    const at = this.now().getTime();
    const k = keyOf(ref);
    const last = this.written.get(k);
    if (last !== undefined && at - last < this.windowMs) return;
    this.forgetOld(at);
    this.written.set(k, at);
    const write = this.store
      .recordUse(ref, at, this.windowMs)
      .catch((err: unknown) => {
        // Let the next use try again rather than lose the whole window.
        if (this.written.get(k) === at) this.written.delete(k);
        this.opts.onError?.(err);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Last use of each key (stored, or newer and recorded here), null where never used. */
  async lastUsedMany(refs: readonly KeyRef[]): Promise<(Date | null)[]> {
    const stored = await this.store.lastUsedMany(refs);
    return refs.map((ref, i) => {
      const local = this.written.get(keyOf(ref));
      const ms = Math.max(stored[i] ?? -Infinity, local ?? -Infinity);
      return Number.isFinite(ms) ? new Date(ms) : null;
    });
  }

  /** Resolves once the writes started so far have settled (tests observe Redis after it). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Bounded memory: entries older than a window throttle nothing and can go. */
  private forgetOld(at: number): void {
    if (this.written.size < MAX_TRACKED_KEYS) return;
    for (const [k, t] of this.written) if (at - t >= this.windowMs) this.written.delete(k);
    if (this.written.size >= MAX_TRACKED_KEYS) this.written.clear();
  }
}

const keyOf = (r: KeyRef) => `${r.region}\u0000${r.project}\u0000${r.identity}`;
