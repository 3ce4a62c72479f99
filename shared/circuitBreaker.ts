/**
 * Per-endpoint circuit breaker: after `failureThreshold` consecutive failures the circuit opens and
 * calls fail fast; after `resetAfterMs` one trial call is let through (half-open), and its outcome
 * closes or re-opens the circuit. Used by the gateway's regional routing and by the KMS client.
 */
export interface BreakerSettings {
  failureThreshold: number;
  resetAfterMs: number;
  /** Clock (tests). */
  now?: () => number;
}

/** The breaker settings of every caller that is not told otherwise (gateway regions, KMS client). */
export const DEFAULT_BREAKER: Readonly<BreakerSettings> = { failureThreshold: 5, resetAfterMs: 5000 };

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;
  /** Told when the circuit opens (also again from half-open) or closes (shared/metrics.ts counts it). */
  onTransition?: (to: 'open' | 'closed') => void;

  constructor(private readonly opts: Readonly<BreakerSettings> = DEFAULT_BREAKER) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.opts.resetAfterMs ? 'half-open' : 'open';
  }

  /** Seconds until a trial call will be allowed (for Retry-After). */
  retryAfterSeconds(): number {
    if (this.openedAt === null) return 1;
    return Math.max(1, Math.ceil((this.opts.resetAfterMs - (this.now() - this.openedAt)) / 1000));
  }

  /** Whether a call may go out now. In half-open state only one trial call at a time. */
  canRequest(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    if (this.openedAt !== null) this.onTransition?.('closed');
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  /**
   * A call that tells nothing about the endpoint's health (e.g. cut short by its own deadline):
   * counts neither way, but frees the half-open trial slot so the next call can be the trial.
   */
  inconclusive(): void {
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt === null && this.failures < this.opts.failureThreshold) return;
    // A failure while open (a call that went out before it opened) restarts the wait; only closed / half-open → open is a transition.
    const wasOpen = this.openedAt !== null && this.state === 'open';
    this.openedAt = this.now();
    if (!wasOpen) this.onTransition?.('open');
  }
}
