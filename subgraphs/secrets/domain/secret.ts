import { randomBytes } from 'node:crypto';

/**
 * The Secret and SecretVersion of the seed, as plain data. No GraphQL, no Redis: the store returns
 * these shapes and the GraphQL layer maps them.
 */
export type SecretVersionState = 'ENABLED' | 'DELETED' | 'DESTROYED';
export const SECRET_VERSION_STATES: readonly SecretVersionState[] = ['ENABLED', 'DELETED', 'DESTROYED'];

export interface SecretTag {
  key: string;
  value: string;
}

export interface Secret {
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

export interface SecretVersion {
  version: number;
  state: SecretVersionState;
  createdAt: string;
  kmsKeyVersion: number;
}

/** A version as read for reveal: the ciphertext is present only while the version is not destroyed. */
export interface SecretVersionWithCiphertext extends SecretVersion {
  ciphertext: string | null;
}

export interface Page<T> {
  nodes: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A fresh incarnation id for a secret about to be created (see Secret.uid). */
export function newSecretUid(): string {
  return randomBytes(12).toString('base64url');
}
