import { badInput, notFound } from '../../../shared/errors';
import { ROOT_PROJECT, type Principal } from '../../../shared/principal';
import type { Clock, RevokedToken, TokenRecord, TokenRecords } from './ports';
import { grantFor, type TokenGrant, type TokenRequest } from './tokenPolicy';

const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

/** Most tokens apiTokens lists (the newest): a project may hold many more, revoked ones included. */
export const MAX_TOKENS_LISTED = 1000;

/** `token:<id>` (or `token:root`) for audit resources; a string that cannot be a token id never reaches the log. */
export function tokenResource(id: string): string {
  return TOKEN_ID_RE.test(id) || id === 'root' ? `token:${id}` : 'token:<invalid>';
}

/** What revokeApiToken acts on: a token of a project, or `root` (the root token, project `default`). */
export interface RevocationTarget {
  id: string;
  project: string;
}

/** A token about to be created: its policy-checked grant and the id it will have. */
export interface PlannedToken {
  id: string;
  grant: TokenGrant;
}

/** API tokens as a project's admin sees them: list, create within the creator's rights, revoke. */
export class ApiTokens {
  constructor(private readonly store: TokenRecords, private readonly now: Clock) {}

  /** apiTokens(first): the newest `first` tokens, 0 to MAX_TOKENS_LISTED (BAD_USER_INPUT otherwise). */
  list(project: string, first: number = MAX_TOKENS_LISTED): Promise<TokenRecord[]> {
    if (!Number.isInteger(first) || first < 0 || first > MAX_TOKENS_LISTED) {
      throw badInput(`first must be between 0 and ${MAX_TOKENS_LISTED}`, { field: 'first' });
    }
    return first === 0 ? Promise.resolve([]) : this.store.list(project, first);
  }

  /**
   * What `caller` may create (tokenPolicy.grantFor: BAD_USER_INPUT or FORBIDDEN) and the id it
   * gets; nothing is written yet, so the change can run under its audit intent.
   */
  plan(caller: Principal, req: TokenRequest): PlannedToken {
    const grant = grantFor(caller, req, this.now());
    return { id: this.store.newId(), grant };
  }

  create(planned: PlannedToken): Promise<{ token: string; record: TokenRecord }> {
    return this.store.create(planned.grant, planned.id);
  }

  /**
   * The token `caller` may revoke: one of its own project, or, for the root token (which
   * bootstraps other projects), of any project. `root` is the root token, a token of project
   * `default`: the root itself or an admin of `default` may revoke it. NOT_FOUND otherwise, so
   * other projects' token ids are not confirmed.
   */
  async revocable(caller: Principal, id: string): Promise<RevocationTarget> {
    if (id === 'root') {
      if (!this.store.hasRoot() || caller.project !== ROOT_PROJECT) throw notFound('No such token in this project');
      return { id, project: ROOT_PROJECT };
    }
    const rec = await this.store.get(id);
    if (!rec || (rec.project !== caller.project && !caller.root)) throw notFound('No such token in this project');
    return { id: rec.id, project: rec.project };
  }

  /**
   * Revokes the target and every token it created, transitively; null if it vanished. Returns
   * the tokens below it this call revoked, each to be audited in its own project.
   */
  revoke(target: RevocationTarget): Promise<RevokedToken[] | null> {
    return target.id === 'root' ? this.store.revokeRoot() : this.store.revoke(target.project, target.id);
  }
}
