import { validateProjectName } from './identifiers';

/**
 * The audit log's bound on unarchived events, as its write scripts see it (shared/audit.ts):
 *   audit:{<project>}:full   string — set by the archiver (auditArchive.ts) while the project's
 *                             backlog of unarchived events is over AUDIT_MAX_UNARCHIVED
 * While it is set the log takes no new event or intent of the project, since the store could only
 * go on by dropping some. The scripts check it as they write: no command or round trip of its own.
 */
export const backlogFullKey = (project: string) => `audit:{${validateProjectName(project)}}:full`;

/** The log refused an event or intent of `project` because its backlog is over the bound. */
export class AuditBacklogFull extends Error {
  constructor(readonly project: string) {
    super('The audit log of the project is over its bound of unarchived events');
    this.name = 'AuditBacklogFull';
  }
}

const REPLY = 'AUDITFULL';

/** Lua: refuses before any write while KEYS[<index>] (the flag) exists. */
export const refuseWhenFull = (index: string) =>
  `if redis.call('EXISTS', KEYS[${index}]) == 1 then return redis.error_reply('${REPLY} audit backlog over its bound') end`;

/** A write script's refusal for a full backlog, as AuditBacklogFull; any other failure as it came. */
export function backlogChecked<T>(project: string, write: Promise<T>): Promise<T> {
  return write.catch((err: unknown) => {
    throw err instanceof Error && err.message.startsWith(REPLY) ? new AuditBacklogFull(project) : err;
  });
}
