import type { Logger } from './log';

/**
 * Background work every replica runs on an interval (the KMS sweeper, the audit archiver): one
 * run at a time in this process, a failed run logged (its message only, bounded) and retried on
 * the next tick, the timer never keeping the process alive, and stop() waiting for a run under
 * way. Which replica acts is the job's own business (each takes a Redis lock).
 */
export class PeriodicJob<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;

  constructor(
    private readonly failureMessage: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<T>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((err) => this.log.warn(this.failureMessage, { err: err instanceof Error ? err.message.slice(0, 200) : 'unknown' }));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }

  runOnce(): Promise<T> {
    if (!this.running) this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }
}
