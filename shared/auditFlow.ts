import type { AuditEventInput, AuditIntent, AuditLog } from './audit';
import { ApiError, definiteFailureCode } from './errors';

/**
 * The one audit flow every writer uses (request contexts, the sweeper, the authentication check):
 *
 * - `record`: one event, written before the caller goes on; if it cannot be written the caller
 *   fails (fail closed).
 * - `read`: an operation whose result must not leave without its event (value reads, crypto): run,
 *   then SUCCESS with the key version, or FAILURE with the error's code.
 * - `change`: a state change under a write-ahead intent: intent first (if the log cannot take it,
 *   nothing changes), then the change, then the final event replaces the intent atomically. An
 *   intent left behind by a store failure mid-change is published later as OUTCOME_UNKNOWN
 *   (AuditLog.recoverStale), so no change is ever missing from the log.
 *
 * When the store itself failed no FAILURE is recorded: the write may have reached Redis before
 * the error, so no definite outcome is known.
 *
 * `confirm` (REDIS_WAIT_REPLICAS / REDIS_WAIT_AOF) runs after a change's final event: the change
 * and its event count as acknowledged only once that many replicas have them. Unconfirmed, the
 * caller gets STORE_UNAVAILABLE; the event stays as written, true of the primary (a failover that
 * loses the change loses the event with it: replicas apply the stream in order).
 */

/** An operation's result and the key version it used (recorded in the event). */
export interface Outcome<T> {
  value: T;
  keyVersion?: number | null;
}

/** The audit log could not take the event (or intent): nothing happened. */
export class AuditNotWritten extends ApiError {
  constructor() {
    super('STORE_UNAVAILABLE', 'The data store is unavailable; nothing was changed');
  }
}

/**
 * Whether a project's log may take more events: false while its backlog of unarchived events is
 * over the bound (the archiver sets the flag), since the store could only go on by dropping some.
 */
export interface AuditCapacity {
  accepts(project: string): Promise<boolean>;
}

/** The change and its event are on the primary, but not on as many replicas as configured, in time. */
export class WriteNotConfirmed extends ApiError {
  constructor() {
    super('STORE_UNAVAILABLE', 'The change was not confirmed by enough Redis replicas in time; it may have been applied');
  }
}

export class AuditFlow {
  /** Told of each event (or intent) the log could not take (shared/metrics.ts counts them). */
  onNotWritten?: (flow: 'record' | 'read' | 'change') => void;

  constructor(
    private readonly log: AuditLog,
    private readonly capacity: AuditCapacity | null = null,
    private readonly confirm: (() => Promise<boolean>) | null = null,
  ) {}

  /** The capacity check runs beside the write, so it costs no extra round trip. */
  async record(event: AuditEventInput): Promise<void> {
    const [written, accepts] = await Promise.allSettled([this.log.append(event), this.accepts(event.project)]);
    // Whatever broke the write (outage, full or damaged stream): no result without its event.
    if (written.status === 'rejected' || accepts.status === 'rejected' || !accepts.value) throw this.notWritten('record');
  }

  /**
   * Many events of one project (a batch's per-item events) as one append, with one capacity
   * check: all are written before the caller goes on, or the caller fails (fail closed).
   */
  async recordMany(events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const [written, accepts] = await Promise.allSettled([this.log.appendMany(events), this.accepts(events[0].project)]);
    if (written.status === 'rejected' || accepts.status === 'rejected' || !accepts.value) throw this.notWritten('record');
  }

  async read<T>(planned: AuditEventInput, op: () => Promise<Outcome<T>>): Promise<T> {
    let out: Outcome<T>;
    let accepts: Promise<boolean>;
    try {
      accepts = this.accepts(planned.project);
      accepts.catch(() => undefined);
      out = await op();
    } catch (err) {
      const code = definiteFailureCode(err);
      if (code) await this.record({ ...planned, outcome: 'FAILURE', errorCode: code }).catch(() => undefined);
      throw err;
    }
    // Checked before the SUCCESS event, so a refused result leaves no event claiming it left.
    if (!(await accepts.catch(() => false))) throw this.notWritten('read');
    await this.record({ ...planned, outcome: 'SUCCESS', keyVersion: out.keyVersion ?? null });
    return out.value;
  }

  private notWritten(flow: 'record' | 'read' | 'change'): AuditNotWritten {
    this.onNotWritten?.(flow);
    return new AuditNotWritten();
  }

  private accepts(project: string): Promise<boolean> {
    return this.capacity ? this.capacity.accepts(project) : Promise.resolve(true);
  }

  /**
   * With `skipWhenNull`, a change whose op returns null turned out not to be due (the sweeper's
   * case): the intent is dropped and nothing is logged.
   */
  async change<T>(planned: AuditEventInput, op: () => Promise<Outcome<T>>, opts: { skipWhenNull?: boolean } = {}): Promise<T> {
    const [begun, accepts] = await Promise.allSettled([this.log.begin(planned), this.accepts(planned.project)]);
    if (begun.status === 'rejected') throw this.notWritten('change');
    const intent: AuditIntent = begun.value;
    if (accepts.status === 'rejected' || !accepts.value) {
      // Nothing has changed yet: drop the intent so it is not published as OUTCOME_UNKNOWN.
      await this.log.discard(intent).catch(() => undefined);
      throw this.notWritten('change');
    }
    let out: Outcome<T>;
    try {
      out = await op();
    } catch (err) {
      // On a store failure the intent stays and is published as OUTCOME_UNKNOWN.
      const code = definiteFailureCode(err);
      if (code) await this.log.settle(intent, { ...planned, outcome: 'FAILURE', errorCode: code }).catch(() => undefined);
      throw err;
    }
    if (opts.skipWhenNull && out.value === null) {
      await this.log.discard(intent).catch(() => undefined);
      return out.value;
    }
    try {
      await this.log.settle(intent, { ...planned, keyVersion: out.keyVersion ?? null });
    } catch {
      throw new ApiError(
        'STORE_UNAVAILABLE',
        'The data store became unavailable during the change; it may have been applied and its audit event will be recorded as OUTCOME_UNKNOWN',
      );
    }
    if (this.confirm && !(await this.confirm().catch(() => false))) throw new WriteNotConfirmed();
    return out.value;
  }
}
