import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../../../shared/audit';
import { AuditNotWritten, type AuditFlow } from '../../../shared/auditFlow';
import { RecordTampered } from '../../../shared/errors';
import type { Logger } from '../../../shared/log';
import { PeriodicJob } from '../../../shared/periodicJob';
import type { KeyRingService } from './keyRingService';
import type { KmsKeyRecord } from './keyRing';
import type { SweepQueue } from './ports';

export interface SweepResult {
  /** False when another replica held the lock (this one did nothing). */
  ran: boolean;
  destroyed: string[];
  rotated: string[];
}

export interface SweeperOptions {
  intervalMs?: number;
  lockTtlMs?: number;
  batch?: number;
}

/**
 * Background work of a region's KMS: destroys material of keys whose deletion window has passed
 * and performs due auto-rotations. Every replica runs one; a Redis lock makes exactly one act.
 */
export class Sweeper {
  private readonly job: PeriodicJob<SweepResult>;
  private readonly lockTtlMs: number;
  private readonly batch: number;

  constructor(
    private readonly kms: KeyRingService,
    private readonly queue: SweepQueue,
    private readonly audit: AuditFlow,
    private readonly log: Logger,
    opts: SweeperOptions = {},
  ) {
    this.lockTtlMs = opts.lockTtlMs ?? 5 * 60_000;
    this.batch = opts.batch ?? 100;
    this.job = new PeriodicJob('sweep failed', opts.intervalMs ?? 60_000, () => this.sweep(), log);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** One sweep at a time in this process; the lock covers the other replicas. */
  runOnce(): Promise<SweepResult> {
    return this.job.runOnce();
  }

  private async sweep(): Promise<SweepResult> {
    const region = this.kms.region;
    const token = randomBytes(16).toString('hex');
    if (!(await this.queue.acquireSweeperLock(region, token, this.lockTtlMs))) return { ran: false, destroyed: [], rotated: [] };
    const result: SweepResult = { ran: true, destroyed: [], rotated: [] };
    const requestId = `sweeper-${randomUUID()}`;
    try {
      for (const ref of await this.queue.dueDeletions(region, new Date(this.nowMs()), this.batch)) {
        const rec = await this.audited('kms.destroy_key_material', ref, requestId, () => this.kms.destroyIfDue(ref), () => null);
        if (rec) result.destroyed.push(`${ref.project}/${ref.identity}`);
      }
      for (const ref of await this.queue.dueRotations(region, new Date(this.nowMs()), this.batch)) {
        const rec = await this.audited('kms.rotate_key', ref, requestId, () => this.kms.rotateIfDue(ref), (r) => r.latestVersion);
        if (rec) result.rotated.push(`${ref.project}/${ref.identity}`);
      }
    } finally {
      await this.queue.releaseSweeperLock(region, token).catch(() => false);
    }
    return result;
  }

  /**
   * One due change under a write-ahead audit intent, like every request-path change
   * (shared/auditFlow.ts): if the audit log cannot take the intent the key is left as it is (still
   * due, retried next sweep); a change that turns out not to be due any more leaves no event.
   */
  private async audited(
    action: 'kms.destroy_key_material' | 'kms.rotate_key',
    ref: { project: string; identity: string },
    requestId: string,
    change: () => Promise<KmsKeyRecord | null>,
    keyVersion: (rec: KmsKeyRecord) => number | null,
  ): Promise<KmsKeyRecord | null> {
    const region = this.kms.region;
    const planned: AuditEventInput = {
      action, outcome: 'SUCCESS', actor: 'system:sweeper', project: ref.project, region, resource: `kms-key:${region}/${ref.identity}`, requestId,
    };
    try {
      return await this.audit.change(planned, async () => {
        const rec = await change();
        return { value: rec, keyVersion: rec ? keyVersion(rec) : null };
      }, { skipWhenNull: true });
    } catch (err) {
      // One key whose record was altered in Redis (refused and audited already) must not stop the sweep of the others.
      if (err instanceof RecordTampered) {
        this.log.warn('sweep skipped a key: its record failed its integrity check', { action, region });
        return null;
      }
      if (!(err instanceof AuditNotWritten)) throw err;
      this.log.warn('sweep skipped a key: audit log unavailable', { action, region });
      return null;
    }
  }

  private nowMs(): number {
    return this.kms.nowDate().getTime();
  }
}
