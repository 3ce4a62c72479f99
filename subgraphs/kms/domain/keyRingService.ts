import type { KeyVersionInfo, KmsKeyRecord, KeyUpdate } from './keyRing';
import type { KeyStatus } from './keyTypes';
import { KeyUsage, type KeyUsageOptions } from './keyUsage';
import { KeygenLimiter } from './keygenLimiter';
import type { KeyWrapper } from './keyWrapper';
import type { KeyRef, KeyRepository } from './ports';
import { KeyRingCore, type CommitGuard } from './operations/keyRingCore';
import * as encryption from './operations/encrypt';
import * as exporting from './operations/export';
import * as lifecycle from './operations/lifecycle';
import * as listing from './operations/listing';
import * as signMac from './operations/signMac';
import * as sweepSteps from './operations/sweepSteps';

/**
 * The KMS of one region, as its callers (resolvers, sweeper, secrets-side tests) see it: one
 * method per operation, each delegating to the file named for it under `operations/`. Everywhere
 * in the kms subgraph an instance of it is called `kms`.
 */
export class KeyRingService {
  private readonly core: KeyRingCore;
  /** lastUsedAt: written at most once per key per window, never awaited by a crypto operation. */
  readonly usage: KeyUsage;
  /** Bounds key generation per project; its counters tell how many ran and how many at once. */
  readonly keygen: KeygenLimiter;

  constructor(
    readonly region: string,
    store: KeyRepository,
    wrapper: KeyWrapper,
    private readonly now: () => Date,
    cacheEntries = 10_000,
    usage: KeyUsageOptions = {},
    keygenPerProject?: number,
    quotas: { keyVersions?: number } = {},
  ) {
    this.usage = new KeyUsage(store, now, usage);
    this.keygen = new KeygenLimiter(keygenPerProject);
    this.core = new KeyRingCore(region, store, wrapper, now, this.usage, cacheEntries, this.keygen, quotas.keyVersions ?? 0);
  }

  nowDate(): Date {
    return this.now();
  }

  ref(project: string, identity: string): KeyRef {
    return this.core.ref(project, identity);
  }

  // ---- listing and the per-request batch reads (operations/listing.ts) --------------------------

  list(project: string, status: KeyStatus | null, first: number, after: string | null) {
    return listing.listKeys(this.core, project, status, first, after);
  }
  loadMany(refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]> {
    return listing.readKeys(this.core, refs);
  }
  /** The newest MAX_VERSIONS_LISTED versions of each key, oldest first. */
  versionsMany(refs: readonly KeyRef[]): Promise<KeyVersionInfo[][]> {
    return listing.readVersions(this.core, refs);
  }
  validateVersionsLast(last: number): number {
    return listing.validateVersionsLast(last);
  }
  lastUsedMany(refs: readonly KeyRef[]): Promise<(Date | null)[]> {
    return listing.readLastUsed(this.core, refs);
  }

  // ---- lifecycle (operations/lifecycle.ts) ------------------------------------------------------

  create(project: string, input: lifecycle.CreateKeyInput, beforeCommit?: CommitGuard, deadline?: number | null) {
    return lifecycle.createKey(this.core, project, input, beforeCommit, deadline);
  }
  rotate(project: string, identity: string, beforeCommit?: CommitGuard, deadline?: number | null) {
    return lifecycle.rotateKey(this.core, project, identity, beforeCommit, deadline);
  }
  update(project: string, identity: string, u: KeyUpdate, beforeCommit?: CommitGuard) {
    return lifecycle.updateKey(this.core, project, identity, u, beforeCommit);
  }
  disable(project: string, identity: string, ifUnusedSinceDays?: number | null, beforeCommit?: CommitGuard) {
    return lifecycle.disableKey(this.core, project, identity, ifUnusedSinceDays, beforeCommit);
  }
  enable(project: string, identity: string, beforeCommit?: CommitGuard) {
    return lifecycle.enableKey(this.core, project, identity, beforeCommit);
  }
  scheduleDeletion(project: string, identity: string, pendingWindowDays: number, ifUnusedSinceDays?: number | null, beforeCommit?: CommitGuard) {
    return lifecycle.scheduleKeyDeletion(this.core, project, identity, pendingWindowDays, ifUnusedSinceDays, beforeCommit);
  }
  cancelDeletion(project: string, identity: string, beforeCommit?: CommitGuard) {
    return lifecycle.cancelKeyDeletion(this.core, project, identity, beforeCommit);
  }

  // ---- the sweeper's steps (operations/sweepSteps.ts) -------------------------------------------

  destroyIfDue(ref: KeyRef) {
    return sweepSteps.destroyIfDue(this.core, ref);
  }
  rotateIfDue(ref: KeyRef) {
    return sweepSteps.rotateIfDue(this.core, ref);
  }

  // ---- encrypt / decrypt / batches (operations/encrypt.ts) --------------------------------------

  encrypt(rec: KmsKeyRecord, plaintext: Buffer, aad: Buffer | undefined, explicitVersion?: number | null) {
    return encryption.encrypt(this.core, rec, plaintext, aad, explicitVersion);
  }
  decrypt(rec: KmsKeyRecord, ciphertext: string, aad: Buffer | undefined) {
    return encryption.decrypt(this.core, rec, ciphertext, aad);
  }
  reEncrypt(rec: KmsKeyRecord, ciphertext: string, aad: Buffer | undefined) {
    return encryption.reEncrypt(this.core, rec, ciphertext, aad);
  }
  generateDataKey(rec: KmsKeyRecord, bits: number, aad: Buffer | undefined) {
    return encryption.generateDataKey(this.core, rec, bits, aad);
  }
  encryptBatch(rec: KmsKeyRecord, items: { plaintext: string; associatedData?: string | null }[], decode: encryption.FieldDecoder) {
    return encryption.encryptBatch(this.core, rec, items, decode);
  }
  decryptBatch(rec: KmsKeyRecord, items: { ciphertext: string; associatedData?: string | null }[], decode: encryption.FieldDecoder) {
    return encryption.decryptBatch(this.core, rec, items, decode);
  }

  // ---- sign / MAC (operations/signMac.ts) -------------------------------------------------------

  sign(rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
    return signMac.sign(this.core, rec, message, explicitVersion);
  }
  verify(rec: KmsKeyRecord, message: Buffer, signature: string) {
    return signMac.verify(this.core, rec, message, signature);
  }
  generateMac(rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
    return signMac.generateMac(this.core, rec, message, explicitVersion);
  }
  verifyMac(rec: KmsKeyRecord, message: Buffer, mac: string) {
    return signMac.verifyMac(this.core, rec, message, mac);
  }

  // ---- export (operations/export.ts) ------------------------------------------------------------

  publicKeyPem(rec: KmsKeyRecord, version?: number | null) {
    return exporting.publicKeyPem(this.core, rec, version);
  }
  exportMaterial(rec: KmsKeyRecord, version?: number | null) {
    return exporting.exportMaterial(this.core, rec, version);
  }
}
