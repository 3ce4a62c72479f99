import type { Page, SecretMeta, SecretVersionRecord } from '../domain/secret';
import { PageInfo, Secret, SecretConnection, SecretVersion, type SecretVersionState } from './types';

/** Domain records onto the schema's types. */
export function pageInfo(page: { endCursor: string | null; hasNextPage: boolean }): PageInfo {
  return Object.assign(new PageInfo(), { endCursor: page.endCursor, hasNextPage: page.hasNextPage });
}

export function secretConnection(page: Page<SecretMeta>): SecretConnection {
  const conn = new SecretConnection();
  conn.nodes = page.nodes as unknown as Secret[];
  conn.pageInfo = pageInfo(page);
  return conn;
}

export function toSecretVersion(v: SecretVersionRecord): SecretVersion {
  return Object.assign(new SecretVersion(), { ...v, state: v.state as SecretVersionState });
}
