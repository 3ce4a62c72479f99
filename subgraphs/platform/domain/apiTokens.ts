import { badInput, notFound } from '../../../shared/errors';
import type { Principal } from '../../../shared/principal';
import type { Clock, TokenRecord, TokenRecords } from './ports';
import { grantFor, type TokenGrant, type TokenRequest } from './tokenPolicy';

const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

/** Most tokens apiTokens lists (the newest): a project may hold many more, revoked ones included. */
export const MAX_TOKENS_LISTED = 1000;

/** `token:<id>` for audit resources; a string that cannot be a token id never reaches the log. */
export function tokenResource(id: string): string {
  return TOKEN_ID_RE.test(id) ? `token:${id}` : 'token:<invalid>';
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
   * bootstraps other projects), of any project. NOT_FOUND otherwise, so other projects' token
   * ids are not confirmed.
   */
  async revocable(caller: Principal, id: string): Promise<TokenRecord> {
    const rec = await this.store.get(id);
    if (!rec || (rec.project !== caller.project && !caller.root)) throw notFound('No such token in this project');
    return rec;
  }

  revoke(rec: TokenRecord): Promise<boolean> {
    return this.store.revoke(rec.project, rec.id);
  }
}
