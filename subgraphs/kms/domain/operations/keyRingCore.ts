import { cipherSuite, type EncryptionSuite, type KeyHandle, type MacSuite, type SigningSuite } from '../cipherSuites';
import { validateKeyIdentity } from '../../../../shared/identifiers';
import { concurrentChange, keyGenerationBusy, keyNotFound } from '../errors';
import * as ring from '../keyRing';
import type { KmsKeyRecord } from '../keyRing';
import type { KeyPurpose, KeyType } from '../keyTypes';
import type { KeyUsage } from '../keyUsage';
import type { KeygenLimiter } from '../keygenLimiter';
import type { KeyWrapper } from '../keyWrapper';
import { LruCache } from '../materialCache';
import type { KeyRef, KeyRepository } from '../ports';

/** Attempts of a read-rule-write loop before it gives up (another writer keeps winning). */
export const MAX_CAS_ATTEMPTS = 10;

/** Throws when a change must not commit any more (the caller's deadline has passed). */
export type CommitGuard = () => void;
export const noGuard: CommitGuard = () => undefined;

/**
 * What every operation of one region's KMS shares: the repository, the wrapper, the clock, the
 * cache of unwrapped material, the use log, and the one read-rule-write loop every change goes
 * through. Records come in fresh from the caller; material comes unwrapped from the bounded cache.
 */
export class KeyRingCore {
  private readonly cache: LruCache<KeyHandle>;

  constructor(
    readonly region: string,
    readonly store: KeyRepository,
    readonly wrapper: KeyWrapper,
    readonly now: () => Date,
    readonly usage: KeyUsage,
    cacheEntries: number,
    /** Every key generation of this process goes through it (bounded per project). */
    readonly keygen: KeygenLimiter,
    /** Versions a key may have (QUOTA_KEY_VERSIONS; 0 = no limit). */
    readonly maxKeyVersions = 0,
  ) {
    this.cache = new LruCache(cacheEntries);
  }

  ref(project: string, identity: string): KeyRef {
    return { region: this.region, project, identity };
  }

  async mustGet(project: string, identity: string): Promise<KmsKeyRecord> {
    validateKeyIdentity(identity);
    const rec = await this.store.get(this.ref(project, identity));
    if (!rec) throw keyNotFound(identity, this.region);
    return rec;
  }

  /** The key's suite for an operation of `purpose`; UNSUPPORTED_KEY_TYPE for a key of another purpose. */
  suiteFor(rec: KmsKeyRecord, purpose: 'ENCRYPT_DECRYPT', op: string): EncryptionSuite;
  suiteFor(rec: KmsKeyRecord, purpose: 'SIGN_VERIFY', op: string): SigningSuite;
  suiteFor(rec: KmsKeyRecord, purpose: 'GENERATE_VERIFY_MAC', op: string): MacSuite;
  suiteFor(rec: KmsKeyRecord, purpose: KeyPurpose, op: string): EncryptionSuite | SigningSuite | MacSuite {
    ring.requirePurpose(rec, purpose, op);
    return cipherSuite(rec.type) as EncryptionSuite | SigningSuite | MacSuite;
  }

  /** Unwrapped material of one version, or null when it no longer exists (destroyed). */
  async handle(rec: KmsKeyRecord, version: number): Promise<KeyHandle | null> {
    if (rec.materialDestroyed) return null;
    const ck = cacheKey(rec, version);
    const hit = this.cache.get(ck);
    if (hit) return hit;
    const wrapped = await this.store.wrappedMaterial(rec, version);
    if (!wrapped) return null;
    const key = cipherSuite(rec.type).prepare(this.wrapper.unwrap({ region: rec.region, project: rec.project, identity: rec.identity, version }, wrapped));
    this.cache.set(ck, key);
    return key;
  }

  /** Fresh key material, generated in one of the project's slots; past `deadline` without one, nothing is generated. */
  generate(project: string, type: KeyType, deadline: number | null): Promise<Buffer> {
    return this.keygen.run(project, deadline, () => keyGenerationBusy(this.region), () => cipherSuite(type).generate());
  }

  /** Drops every cached version of a key whose material was destroyed. */
  forgetMaterial(rec: KmsKeyRecord): void {
    for (let v = 1; v <= rec.latestVersion; v++) this.cache.delete(cacheKey(rec, v));
  }

  /** The wrapped material of the version `next` adds (its latestVersion). */
  newVersion(next: KmsKeyRecord, material: Buffer) {
    return { version: next.latestVersion, createdAt: next.rotatedAt, wrapped: this.wrapper.wrap({ ...next, version: next.latestVersion }, material) };
  }

  /**
   * Read, apply a rule, write back if nobody changed the key meanwhile (else retry). With
   * `newMaterial` the change adds version `latestVersion` in the same atomic script.
   */
  async change(
    project: string,
    identity: string,
    rule: (rec: KmsKeyRecord) => KmsKeyRecord,
    newMaterial?: Buffer,
    beforeCommit: CommitGuard = noGuard,
  ): Promise<KmsKeyRecord> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const rec = await this.mustGet(project, identity);
      const next = { ...rule(rec), rev: rec.rev + 1 };
      const addVersion = newMaterial ? this.newVersion(next, newMaterial) : undefined;
      beforeCommit();
      if (await this.store.commit(rec.rev, next, { addVersion })) {
        await this.syncSchedules(next);
        return next;
      }
    }
    throw concurrentChange();
  }

  /** Keeps the sweeper's due-lists in line with a record (they are hints; the record decides). */
  async syncSchedules(rec: KmsKeyRecord, rotationOnly = false): Promise<void> {
    if (!rotationOnly) {
      const pending = rec.status === 'PENDING_DELETION' && !rec.materialDestroyed && rec.deletionDate;
      await this.store.scheduleDeletion(rec, pending ? new Date(rec.deletionDate as string) : null);
    }
    // Only ACTIVE keys rotate; enabling a key puts it back on the list (due at once if overdue).
    await this.store.scheduleRotation(rec, rec.status === 'ACTIVE' ? ring.nextRotationAt(rec) : null);
  }
}

function cacheKey(rec: KmsKeyRecord, version: number): string {
  // createdAt too: a cached version can never be mistaken for one of a later key of the same name.
  return `${rec.project}\u0000${rec.identity}\u0000${rec.createdAt}\u0000${version}`;
}
