import type { Page, RevealMeta, SecretMeta, SecretTag, SecretVersionRecord, StoredSecretVersion } from './secret';
import type { VersionAction } from './secretVersion';

/**
 * What the secrets domain needs from storage, declared here so the domain depends on these
 * interfaces and not on Redis: store/secretStore.ts implements them, and domain rules can be
 * tested against an in-memory implementation.
 */

/** A KMS key a secret is bound to. */
export interface BoundKeyRef {
  region: string;
  identity: string;
}

/** A new secret: its metadata as the domain defines it (timestamps and versions are the store's). */
export type NewSecret = Omit<SecretMeta, 'createdAt' | 'updatedAt' | 'currentVersion'> & {
  /** Optional first value, already encrypted for version 1 with this uid (generate it with newSecretUid()). */
  firstVersion?: EncryptedValue | null;
};

export interface SecretMetaUpdate {
  /** undefined = unchanged, null = cleared. */
  description?: string | null;
  tags?: SecretTag[];
  maxVersions?: number;
}

/** A value as KMS returned it, ready to store. */
export interface EncryptedValue {
  ciphertext: string;
  kmsKeyVersion: number;
  /** UTF-8 bytes of the plaintext: what the project's storedBytes quota counts. */
  valueBytes?: number;
}

/** A version number handed out before encryption (it is part of the associated data). */
export interface Reservation {
  project: string;
  path: string;
  version: number;
  /** The secret's incarnation id, for the associated data. */
  uid: string;
  token: string;
}

export interface ListSecretsQuery {
  pathPrefix?: string;
  region?: string | null;
  kmsKeyIdentity?: string | null;
  /** Token confinement: only paths starting with one of these (null/empty = all). */
  allowedPrefixes?: string[] | null;
  first: number;
  after?: string | null;
  /**
   * The caller reads only path, region and kmsKeyIdentity of the nodes (e.g. a page listing paths
   * and their keys): the store may read just those; every other field then holds a placeholder.
   */
  identityOnly?: boolean;
}

/** A page of KmsKey.boundSecrets. */
export type BoundPageQuery = BoundKeyRef & { first: number; after?: string | null };

/** A page of boundSecrets(accessedSince): from `after` (a position, see cursor.ts), paths revealed at or after `sinceMs`. */
export type AccessedPageQuery = BoundPageQuery & { sinceMs: number };

/** Secrets and their versions. */
export interface SecretRepository {
  getMeta(project: string, path: string): Promise<SecretMeta | null>;
  /** Null where absent; order kept. */
  getMetaMany(project: string, paths: string[]): Promise<(SecretMeta | null)[]>;
  /** ALREADY_EXISTS when the path is taken; QUOTA_EXCEEDED at the project's secrets or storedBytes quota. */
  createSecret(input: NewSecret): Promise<SecretMeta>;
  /** NOT_FOUND when absent. */
  updateSecret(project: string, path: string, input: SecretMetaUpdate): Promise<SecretMeta>;
  /** False when absent. */
  deleteSecret(project: string, path: string): Promise<boolean>;
  /**
   * Reserve a number (CAS on expectedVersion) → encrypt(reservation) → commit; the number is given
   * back if either fails. `valueBytes` is taken from the storedBytes quota first (QUOTA_EXCEEDED).
   */
  putVersion(project: string, path: string, expectedVersion: number | null, encrypt: (r: Reservation) => Promise<EncryptedValue>, valueBytes?: number): Promise<SecretVersionRecord>;
  /** The secret (its reveal fields) and the version a reveal reads (currentVersion when null); null where absent. */
  readValue(project: string, path: string, version: number | null): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }>;
  /** readValue at currentVersion of many paths, in order, in one round trip (batch reveal); optional: readValue per path otherwise. */
  readCurrentValues?(project: string, paths: string[]): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }[]>;
  /** Newest first; NOT_FOUND when the secret is absent. */
  listVersions(project: string, path: string, first: number, after?: string | null): Promise<Page<SecretVersionRecord>>;
  /** All-or-nothing state change of versions (rules in secretVersion.ts). */
  setVersionStates(project: string, path: string, action: VersionAction, versions: number[]): Promise<SecretMeta>;
}

/** The indexes: listings and the reverse edge of the key binding. */
export interface SecretIndexReads {
  listSecrets(project: string, q: ListSecretsQuery): Promise<Page<SecretMeta>>;
  boundSecretsMany(project: string, queries: BoundPageQuery[]): Promise<Page<SecretMeta>[]>;
  boundSecretCounts(project: string, keys: BoundKeyRef[]): Promise<number[]>;
  /** Exact counts within path prefixes (a confined token). */
  boundSecretCountsWithin(project: string, keys: BoundKeyRef[], prefixes: string[]): Promise<number[]>;
}

/** The last-access index: when each secret was last revealed. */
export interface AccessIndex {
  /** Writes unless the stored time is less than `windowMs` older; true if it wrote. */
  recordAccess(secret: RevealMeta, atMs: number, windowMs: number): Promise<boolean>;
  /** Last reveal (ms) of each secret; null if never revealed. */
  lastAccessedMany(secrets: RevealMeta[]): Promise<(number | null)[]>;
  boundSecretCountsAccessed(project: string, keys: BoundKeyRef[], sinceMs: number, prefixes: string[] | null): Promise<number[]>;
  boundSecretsAccessedMany(project: string, queries: AccessedPageQuery[], prefixes: string[] | null): Promise<Page<SecretMeta>[]>;
}
