import type { AccessIndex } from './ports';
import type { SecretMeta } from './secret';

/** How often a secret's reveal is written at most (per secret, per replica; the store's script makes it per secret overall). */
export const ACCESS_WINDOW_MS = 60_000;
const MAX_TRACKED_SECRETS = 100_000;

export interface SecretAccessOptions {
  /** Throttle window (ms); tests shorten or move it with their own clock. */
  windowMs?: number;
  /** Called with a failed write (never with values); the reveal is simply recorded by the next one. */
  onError?: (err: unknown) => void;
}

/**
 * Secret.lastAccessedAt (and the index behind boundSecrets(accessedSince)), kept cheap: the first
 * successful reveal of a secret in each window is written to Redis at once but not awaited (the
 * value never waits for it, and a failed write only loses that record); later reveals in the same
 * window write nothing. Reads take the newer of the stored time and what this process recorded.
 */
export class SecretAccess {
  /** Per secret incarnation: the time of the last reveal this process wrote (or is writing). */
  private readonly written = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  readonly windowMs: number;

  constructor(private readonly store: Pick<AccessIndex, 'recordAccess' | 'lastAccessedMany'>, private readonly now: () => Date, private readonly opts: SecretAccessOptions = {}) {
    this.windowMs = opts.windowMs ?? ACCESS_WINDOW_MS;
  }

  /** Notes a successful reveal. Synchronous: the write runs in the background. */
  record(secret: SecretMeta): void {
    const at = this.now().getTime();
    const k = keyOf(secret);
    const last = this.written.get(k);
    if (last !== undefined && at - last < this.windowMs) return;
    this.forgetOld(at);
    this.written.set(k, at);
    const write = this.store
      .recordAccess(secret, at, this.windowMs)
      .catch((err: unknown) => {
        if (this.written.get(k) === at) this.written.delete(k);
        this.opts.onError?.(err);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Last reveal of each secret (stored, or newer and recorded here), null where never revealed. */
  async lastAccessedMany(secrets: SecretMeta[]): Promise<(Date | null)[]> {
    const stored = await this.store.lastAccessedMany(secrets);
    return secrets.map((s, i) => {
      const ms = Math.max(stored[i] ?? -Infinity, this.written.get(keyOf(s)) ?? -Infinity);
      return Number.isFinite(ms) ? new Date(ms) : null;
    });
  }

  /** Resolves once the writes started so far have settled (tests observe Redis after it). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private forgetOld(at: number): void {
    if (this.written.size < MAX_TRACKED_SECRETS) return;
    for (const [k, t] of this.written) if (at - t >= this.windowMs) this.written.delete(k);
    if (this.written.size >= MAX_TRACKED_SECRETS) this.written.clear();
  }
}

// The uid: a secret recreated at the same path starts with no reveals.
const keyOf = (s: SecretMeta) => `${s.project}\u0000${s.path}\u0000${s.uid}`;
