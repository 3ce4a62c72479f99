import type { KeyVersionInfo, KmsKeyRecord } from './keyRing';

/**
 * What the KMS domain needs from storage, declared here so the rules run against any
 * implementation: `store/keyStore.ts` implements these over Redis, a unit test with a plain
 * in-memory fake.
 */

/** Which key: the region, project and identity that name it. */
export interface KeyRef {
  region: string;
  project: string;
  identity: string;
}

/** A new version's wrapped material, written together with the record that names it. */
export interface NewKeyVersion {
  version: number;
  createdAt: string;
  wrapped: Buffer;
}

export interface CommitOptions {
  addVersion?: NewKeyVersion;
  /** Deletes every version's material in the same atomic write. */
  destroyRing?: boolean;
}

/** KmsKey.lastUsedAt's storage: one timestamp per key, never part of the record (it never moves `rev`). */
export interface KeyUseLog {
  /** Writes `atMs` unless the stored use is less than `windowMs` older (or the key is gone); true if it wrote. */
  recordUse(ref: KeyRef, atMs: number, windowMs: number): Promise<boolean>;
  /** Last recorded use (ms) of each key; null where never used. */
  lastUsedMany(refs: readonly KeyRef[]): Promise<(number | null)[]>;
}

/** Key records, their version rings of wrapped material, the listing index and the sweeper's due-lists. */
export interface KeyRepository extends KeyUseLog {
  /** Creates the record with version 1; false if the identity is taken. */
  create(rec: KmsKeyRecord, firstVersion: { createdAt: string; wrapped: Buffer }): Promise<boolean>;
  /** Writes `next` if the stored revision is still `expectedRev`; false when someone changed the key meanwhile. */
  commit(expectedRev: number, next: KmsKeyRecord, opts?: CommitOptions): Promise<boolean>;
  get(ref: KeyRef): Promise<KmsKeyRecord | null>;
  getMany(refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]>;
  /** Oldest first; with `newest`, at most that many of the latest versions. */
  versionsMany(refs: readonly KeyRef[], newest?: number): Promise<KeyVersionInfo[][]>;
  /** Null when the version does not exist or its material was destroyed. */
  wrappedMaterial(ref: KeyRef, version: number): Promise<Buffer | null>;
  /** Identities of a project after `after` (exclusive), in order. */
  listIdentities(region: string, project: string, after: string | null, limit: number): Promise<string[]>;
  /** Puts the key on (a date) or takes it off (null) the due-lists the sweeper reads. */
  scheduleDeletion(ref: KeyRef, at: Date | null): Promise<void>;
  scheduleRotation(ref: KeyRef, at: Date | null): Promise<void>;
}

/** What the sweeper reads: the due-lists of a region, and a lock so one replica sweeps at a time. */
export interface SweepQueue {
  dueDeletions(region: string, now: Date, limit: number): Promise<KeyRef[]>;
  dueRotations(region: string, now: Date, limit: number): Promise<KeyRef[]>;
  acquireSweeperLock(region: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if it is still held with `token`. */
  releaseSweeperLock(region: string, token: string): Promise<boolean>;
}
