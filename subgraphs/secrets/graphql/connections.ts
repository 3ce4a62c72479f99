import type { BoundCursor } from '../../../shared/cursor';
import type { Page, SecretMeta, SecretVersionRecord } from '../domain/secret';
import { PageInfo, Secret, SecretConnection, SecretVersion, type SecretVersionState } from './types';

/** Domain records onto the schema's types; the page's end position leaves sealed for its listing and caller. */
export function pageInfo(page: { endCursor: string | null; hasNextPage: boolean }, cursor: BoundCursor): PageInfo {
  return Object.assign(new PageInfo(), { endCursor: cursor.seal(page.endCursor), hasNextPage: page.hasNextPage });
}

export function secretConnection(page: Page<SecretMeta>, cursor: BoundCursor): SecretConnection {
  const conn = new SecretConnection();
  conn.nodes = page.nodes as unknown as Secret[];
  conn.pageInfo = pageInfo(page, cursor);
  return conn;
}

export function toSecretVersion(v: SecretVersionRecord): SecretVersion {
  return Object.assign(new SecretVersion(), { ...v, state: v.state as SecretVersionState });
}
