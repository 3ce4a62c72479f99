import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
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

/** Secret fields read from a node's path, region and kmsKeyIdentity alone (kmsKey: a reference built from them). */
const IDENTITY_FIELDS = new Set(['__typename', 'path', 'region', 'kmsKeyIdentity', 'kmsKey']);

/**
 * Whether a connection field (`secrets`) reads nothing of its nodes but IDENTITY_FIELDS, through
 * fragments too; then the listing may read only those (ListSecretsQuery.identityOnly). Any other
 * field, an unknown fragment or anything unexpected answers false: the full read.
 */
export function nodesReadOnlyIdentity(info: GraphQLResolveInfo): boolean {
  const nodeFields = (set: SelectionSetNode | undefined) => everyField(set, info, (f) => IDENTITY_FIELDS.has(f));
  return info.fieldNodes.every((conn) => everyField(conn.selectionSet, info, (f, sel) => f !== 'nodes' || nodeFields(sel)));
}

/** Whether the field being resolved selects `name` on its object, through fragments too. */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => !everyField(node.selectionSet, info, (f) => f !== name));
}

/** Whether a connection field's nodes select `field { sub }`, through fragments too. */
export function nodesSelect(info: GraphQLResolveInfo, field: string, sub: string): boolean {
  const inField = (set: SelectionSetNode | undefined) => !everyField(set, info, (f) => f !== sub);
  const inNodes = (set: SelectionSetNode | undefined) => !everyField(set, info, (f, sel) => f !== field || !inField(sel));
  return info.fieldNodes.some((conn) => !everyField(conn.selectionSet, info, (f, sel) => f !== 'nodes' || !inNodes(sel)));
}

function everyField(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, ok: (name: string, sel: SelectionSetNode | undefined) => boolean): boolean {
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) {
      if (!ok(s.name.value, s.selectionSet)) return false;
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (!everyField(s.selectionSet, info, ok)) return false;
    } else {
      const frag = info.fragments[s.name.value];
      if (!frag || !everyField(frag.selectionSet, info, ok)) return false;
    }
  }
  return true;
}
