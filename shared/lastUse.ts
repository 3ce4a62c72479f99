/**
 * "When was this last used?" kept cheap, for any kind of thing (a KMS key, a secret): the first
 * use of a thing in each window is written at once but not awaited (the answer never waits for
 * it, and a failed write only loses that record, retried by the next use); later uses in the same
 * window write nothing. Reads take the newer of the stored time and what this process recorded,
 * so a use here counts even before its write lands. The store's write is conditional, so several
 * replicas write once per window between them.
 */

/** How often a thing's use is written at most (per thing, per replica). */
export const LAST_USE_WINDOW_MS = 60_000;
const MAX_TRACKED = 100_000;

export interface LastUseOptions {
  /** Throttle window (ms); tests shorten or move it with their own clock. */
  windowMs?: number;
  /** Called with a failed write (never with values). */
  onError?: (err: unknown) => void;
}

/** Where the times live: a conditional write and a batch read (ms since epoch, null when never). */
export interface LastUseStore<T> {
  write(thing: T, atMs: number, windowMs: number): Promise<unknown>;
  readMany(things: readonly T[]): Promise<(number | null)[]>;
}

export class LastUseRecorder<T> {
  /** Per thing: the time of the last use this process wrote (or is writing). */
  private readonly written = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  readonly windowMs: number;

  constructor(
    private readonly keyOf: (thing: T) => string,
    private readonly store: LastUseStore<T>,
    private readonly now: () => Date,
    private readonly opts: LastUseOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? LAST_USE_WINDOW_MS;
  }

  /** Notes a successful use. Synchronous: the write runs in the background. */
  record(thing: T): void {
    const at = this.now().getTime();
    const k = this.keyOf(thing);
    const last = this.written.get(k);
    if (last !== undefined && at - last < this.windowMs) return;
    this.forgetOld(at);
    this.written.set(k, at);
    const write = this.store
      .write(thing, at, this.windowMs)
      .catch((err: unknown) => {
        // Let the next use try again rather than lose the whole window.
        if (this.written.get(k) === at) this.written.delete(k);
        this.opts.onError?.(err);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Last use of each thing (stored, or newer and recorded here), null where never used. */
  async lastMany(things: readonly T[]): Promise<(Date | null)[]> {
    const stored = await this.store.readMany(things);
    return things.map((t, i) => {
      const ms = Math.max(stored[i] ?? -Infinity, this.written.get(this.keyOf(t)) ?? -Infinity);
      return Number.isFinite(ms) ? new Date(ms) : null;
    });
  }

  /** Resolves once the writes started so far have settled (tests observe Redis after it). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Bounded memory: entries older than a window throttle nothing and can go. */
  private forgetOld(at: number): void {
    if (this.written.size < MAX_TRACKED) return;
    for (const [k, t] of this.written) if (at - t >= this.windowMs) this.written.delete(k);
    if (this.written.size >= MAX_TRACKED) this.written.clear();
  }
}
