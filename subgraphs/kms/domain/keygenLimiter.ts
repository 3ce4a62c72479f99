import type { ApiError } from '../../../shared/errors';

/** Key generations one project may run at once in one kms process (KEYGEN_CONCURRENCY_PER_PROJECT). */
export const DEFAULT_KEYGEN_CONCURRENCY_PER_PROJECT = 2;
/** Callers of one project waiting for a slot; beyond that the call is refused at once. */
export const MAX_KEYGEN_WAITING_PER_PROJECT = 32;

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Bounds key generation per project. RSA-4096 costs a second or more of CPU on the thread pool
 * every project of the region shares, so one project's burst must not occupy it: at most
 * `perProject` generations of a project run at once, the others wait in line, each no longer
 * than its caller's deadline (then `unavailable()`: nothing was generated, nothing written).
 * Other projects never wait behind it. The counters are what the process reports about itself.
 */
export class KeygenLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly peaks = new Map<string, number>();
  private runningTotal = 0;
  private idleWaiters: (() => void)[] = [];
  /** Key generations started since the process started. */
  generations = 0;
  /** Most generations running at once, all projects together. */
  peakTotal = 0;

  constructor(
    readonly perProject: number = DEFAULT_KEYGEN_CONCURRENCY_PER_PROJECT,
    readonly maxWaiting: number = MAX_KEYGEN_WAITING_PER_PROJECT,
  ) {}

  /** Most generations of `project` running at once so far. */
  peak(project: string): number {
    return this.peaks.get(project) ?? 0;
  }

  /** Resolves once no generation runs or waits (shutdown, tests). */
  idle(): Promise<void> {
    if (this.runningTotal === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs `generate` once a slot of `project` is free, unless `deadline` (ms since epoch) passes first. */
  async run<T>(project: string, deadline: number | null, unavailable: () => ApiError, generate: () => Promise<T>): Promise<T> {
    await this.acquire(project, deadline, unavailable);
    try {
      this.generations++;
      return await generate();
    } finally {
      this.release(project);
    }
  }

  private acquire(project: string, deadline: number | null, unavailable: () => ApiError): Promise<void> {
    if (deadline !== null && Date.now() >= deadline) return Promise.reject(unavailable());
    if ((this.running.get(project) ?? 0) < this.perProject) {
      this.take(project);
      return Promise.resolve();
    }
    const queue = this.waiting.get(project) ?? [];
    if (queue.length >= this.maxWaiting) return Promise.reject(unavailable());
    this.waiting.set(project, queue);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { start: resolve, timer: null };
      if (deadline !== null) {
        waiter.timer = setTimeout(() => {
          const q = this.waiting.get(project);
          const i = q ? q.indexOf(waiter) : -1;
          if (i >= 0) q!.splice(i, 1);
          if (q && q.length === 0) this.waiting.delete(project);
          reject(unavailable());
        }, deadline - Date.now());
      }
      queue.push(waiter);
    });
  }

  private take(project: string): void {
    const n = (this.running.get(project) ?? 0) + 1;
    this.running.set(project, n);
    this.runningTotal++;
    if (n > this.peak(project)) this.peaks.set(project, n);
    if (this.runningTotal > this.peakTotal) this.peakTotal = this.runningTotal;
  }

  private release(project: string): void {
    const n = (this.running.get(project) ?? 1) - 1;
    if (n === 0) this.running.delete(project);
    else this.running.set(project, n);
    this.runningTotal--;
    const queue = this.waiting.get(project);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(project);
    if (!next) {
      if (this.runningTotal === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    if (next.timer) clearTimeout(next.timer);
    this.take(project);
    next.start();
  }
}
