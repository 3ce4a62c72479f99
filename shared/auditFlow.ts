import type { AuditEventInput, AuditIntent, AuditLog } from './audit';
import { AuditBacklogFull } from './auditBacklog';
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
 * Told when the log refused a project's event or intent because its backlog of unarchived events
 * is over the bound (the archiver sets the flag; AuditLog's write scripts check it as they write,
 * so the check costs no command of its own), since the store could only go on by dropping some.
 */
export interface AuditCapacity {
  refused(project: string): void;
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

  async record(event: AuditEventInput): Promise<void> {
    try {
      await this.log.append(event);
    } catch (err) {
      // Whatever broke the write (outage, full backlog or damaged stream): no result without its event.
      throw this.notWritten('record', err);
    }
  }

  /**
   * Many events of one project (a batch's per-item events) as one append: all are written before
   * the caller goes on, or the caller fails (fail closed).
   */
  async recordMany(events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.log.appendMany(events);
    } catch (err) {
      throw this.notWritten('record', err);
    }
  }

  async read<T>(planned: AuditEventInput, op: () => Promise<Outcome<T>>): Promise<T> {
    let out: Outcome<T>;
    try {
      out = await op();
    } catch (err) {
      const code = definiteFailureCode(err);
      if (code) await this.record({ ...planned, outcome: 'FAILURE', errorCode: code }).catch(() => undefined);
      throw err;
    }
    try {
      await this.log.append({ ...planned, outcome: 'SUCCESS', keyVersion: out.keyVersion ?? null });
    } catch (err) {
      // A full backlog refuses the SUCCESS event in the write itself: no event claims the result left.
      throw this.notWritten(err instanceof AuditBacklogFull ? 'read' : 'record', err);
    }
    return out.value;
  }

  private notWritten(flow: 'record' | 'read' | 'change', err: unknown): AuditNotWritten {
    if (err instanceof AuditBacklogFull) this.capacity?.refused(err.project);
    this.onNotWritten?.(flow);
    return new AuditNotWritten();
  }

  /**
   * With `skipWhenNull`, a change whose op returns null turned out not to be due (the sweeper's
   * case): the intent is dropped and nothing is logged.
   */
  async change<T>(planned: AuditEventInput, op: () => Promise<Outcome<T>>, opts: { skipWhenNull?: boolean } = {}): Promise<T> {
    let intent: AuditIntent;
    try {
      // Refused while the backlog is full: then no intent is written and nothing changes.
      intent = await this.log.begin(planned);
    } catch (err) {
      throw this.notWritten('change', err);
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
