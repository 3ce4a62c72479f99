import type { BoundCursor } from '../../../shared/cursor';
import type { Page, SecretMeta, SecretVersionRecord } from '../domain/secret';
import { PageInfo, Secret, SecretConnection, SecretVersion, type SecretVersionState } from './types';

/**
 * Domain records onto the schema's types; the page's end position leaves sealed for its listing and
 * caller. Sealed when `endCursor` is first read (a fresh cipher and nonce per seal): a query that
 * never selects it, like a plain listing of nodes, pays nothing for it.
 */
export function pageInfo(page: { endCursor: string | null; hasNextPage: boolean }, cursor: BoundCursor): PageInfo {
  const info = Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage });
  let sealed: string | null | undefined;
  Object.defineProperty(info, 'endCursor', { enumerable: true, get: () => (sealed === undefined ? (sealed = cursor.seal(page.endCursor)) : sealed) });
  return info;
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
