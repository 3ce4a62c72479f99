import { randomBytes } from 'node:crypto';

/**
 * The secret and its versions of the seed, as plain records. No GraphQL, no Redis: the store
 * returns these shapes and the GraphQL layer maps them onto its own types (`Secret`,
 * `SecretVersion`, the schema's names), so the domain names say "record" or "meta".
 */
export type VersionState = 'ENABLED' | 'DELETED' | 'DESTROYED';
export const VERSION_STATES: readonly VersionState[] = ['ENABLED', 'DELETED', 'DESTROYED'];

export interface SecretTag {
  key: string;
  value: string;
}

/** A secret's metadata (never its values). */
export interface SecretMeta {
  project: string;
  path: string;
  region: string;
  /** Bound at create, never changes. */
  kmsKeyIdentity: string;
  description: string | null;
  tags: SecretTag[];
  createdAt: string;
  updatedAt: string;
  /** Highest version number written; null until the first value. */
  currentVersion: number | null;
  maxVersions: number;
  /**
   * Random id of this incarnation of the path. Part of the associated data, so a ciphertext of a
   * deleted secret cannot be replayed into a secret recreated at the same path.
   */
  uid: string;
}

/**
 * The fields of a secret a reveal reads (the store reads no others: no description or tags to
 * fetch and parse per revealed value), and what its last access is keyed and indexed by.
 */
export type RevealMeta = Pick<SecretMeta, 'project' | 'path' | 'region' | 'kmsKeyIdentity' | 'createdAt' | 'currentVersion' | 'uid'>;

export interface SecretVersionRecord {
  version: number;
  state: VersionState;
  createdAt: string;
  kmsKeyVersion: number;
}

/** A version as read for reveal: the ciphertext is present only while the version is not destroyed. */
export interface StoredSecretVersion extends SecretVersionRecord {
  ciphertext: string | null;
}

export interface Page<T> {
  nodes: T[];
  /** The store's position of the page's end (a path, a version number); the resolvers seal it for the client. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A fresh incarnation id for a secret about to be created (see SecretMeta.uid). */
export function newSecretUid(): string {
  return randomBytes(12).toString('base64url');
}
