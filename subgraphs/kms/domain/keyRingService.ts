import { randomBytes } from 'node:crypto';
import { ApiError, badInput, notFound } from '../../../shared/errors';
import type { KeyRef, KeyStore } from '../store/keyStore';
import { cipherSuite, type CipherSuite, type EncryptionSuite, type KeyHandle, type MacSuite, type SigningSuite } from './cipherSuites';
import { formatEnvelope, parseEnvelope } from './ciphertext';
import type { KeyWrapper } from './keyWrapper';
import { KeyUsage, type KeyUsageOptions } from './keyUsage';
import { LruCache } from './materialCache';
import * as ring from './keyRing';
import type { KeyVersionInfo, KmsKeyRecord, KeyUpdate } from './keyRing';
import type { KeyType } from './keyTypes';

export const MAX_BATCH_ITEMS = 1000;
const MAX_CAS_ATTEMPTS = 10;
const MAX_LIST_SCAN = 10_000;
const DAY_MS = 86_400_000;
export const MAX_UNUSED_SINCE_DAYS = 3650;

export function invalidCiphertext(): ApiError {
  return new ApiError('INVALID_CIPHERTEXT', 'Ciphertext is malformed, tampered with, or not for this key, version or associated data');
}

/** Throws when a change must not commit any more (the caller's deadline has passed). */
export type CommitGuard = () => void;
const noGuard: CommitGuard = () => undefined;

export interface CreateKeyInput {
  identity: string;
  type: KeyType;
  description?: string | null;
  exportable?: boolean | null;
  autoRotatePeriodDays?: number | null;
}

export interface BatchItemOutcome {
  index: number;
  keyVersion: number | null;
  ciphertext: string | null;
  plaintext: Buffer | null;
  error: { code: string; message: string } | null;
}

function itemError(index: number, err: unknown): BatchItemOutcome {
  if (!(err instanceof ApiError)) throw err;
  return { index, keyVersion: null, ciphertext: null, plaintext: null, error: { code: err.code, message: err.message } };
}

/**
 * The KMS of one region: key lifecycle and crypto over version rings. Records come in fresh from
 * the caller (read from Redis on every request); material comes unwrapped from a bounded cache.
 */
export class KeyRingService {
  private readonly cache: LruCache<KeyHandle>;
  /** lastUsedAt: written at most once per key per window, never awaited by a crypto operation. */
  readonly usage: KeyUsage;

  constructor(
    readonly region: string,
    private readonly store: KeyStore,
    private readonly wrapper: KeyWrapper,
    private readonly now: () => Date,
    cacheEntries = 10_000,
    usage: KeyUsageOptions = {},
  ) {
    this.cache = new LruCache(cacheEntries);
    this.usage = new KeyUsage(store, now, usage);
  }

  nowDate(): Date {
    return this.now();
  }

  ref(project: string, identity: string): KeyRef {
    return { region: this.region, project, identity };
  }

  /** Batch read used by the per-request DataLoader. */
  loadMany(refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]> {
    return this.store.getMany(refs);
  }

  versionsMany(refs: readonly KeyRef[]): Promise<KeyVersionInfo[][]> {
    return this.store.versionsMany(refs);
  }

  lastUsedMany(refs: readonly KeyRef[]): Promise<(Date | null)[]> {
    return this.usage.lastUsedMany(refs);
  }

  async list(project: string, status: ring.KmsKeyRecord['status'] | null, first: number, after: string | null) {
    if (!Number.isInteger(first) || first < 0 || first > 1000) throw badInput('first must be between 0 and 1000', { field: 'first' });
    if (after !== null) ring.validateIdentity(after, 'after');
    const nodes: KmsKeyRecord[] = [];
    let cursor = after;
    let scanned = 0;
    // Status is a filter over the lexicographic index: read pages until enough match.
    for (;;) {
      const chunk = Math.max(first + 1, 100);
      const ids = await this.store.listIdentities(this.region, project, cursor, chunk);
      const recs = await this.store.getMany(ids.map((id) => this.ref(project, id)));
      for (let i = 0; i < ids.length; i++) {
        const rec = recs[i];
        if (!rec || (status && rec.status !== status)) continue;
        if (nodes.length === first) {
          return { nodes, endCursor: nodes.length ? nodes[nodes.length - 1].identity : cursor, hasNextPage: true };
        }
        nodes.push(rec);
      }
      if (ids.length < chunk) break;
      cursor = ids[ids.length - 1];
      scanned += ids.length;
      // Bounded work per request: a sparse filter hands back a cursor at the last key read.
      if (scanned >= MAX_LIST_SCAN) return { nodes, endCursor: cursor, hasNextPage: true };
    }
    return { nodes, endCursor: nodes.length ? nodes[nodes.length - 1].identity : null, hasNextPage: false };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /**
   * `beforeCommit` runs after the (possibly slow) key generation, right before the write: it throws
   * when the caller's deadline has passed, so a timed-out create leaves no key behind.
   */
  async create(project: string, input: CreateKeyInput, beforeCommit: CommitGuard = noGuard): Promise<KmsKeyRecord> {
    ring.validateIdentity(input.identity);
    ring.validateDescription(input.description);
    const suite = cipherSuite(input.type);
    const autoRotatePeriodDays = ring.normaliseAutoRotate(input.autoRotatePeriodDays);
    const now = this.now().toISOString();
    const rec: KmsKeyRecord = {
      region: this.region,
      project,
      identity: input.identity,
      type: suite.type,
      purpose: suite.purpose,
      status: 'ACTIVE',
      description: input.description ?? null,
      exportable: input.exportable === true,
      createdAt: now,
      latestVersion: 1,
      minDecryptionVersion: 1,
      minEncryptionVersion: 0,
      autoRotatePeriodDays,
      deletionDate: null,
      rotatedAt: now,
      materialDestroyed: false,
      rev: 1,
    };
    const material = await suite.generate();
    const wrapped = this.wrapper.wrap({ ...rec, version: 1 }, material);
    beforeCommit();
    if (!(await this.store.create(rec, { createdAt: now, wrapped }))) {
      throw new ApiError('ALREADY_EXISTS', `A KMS key "${input.identity}" already exists in ${this.region}`);
    }
    await this.syncSchedules(rec);
    return rec;
  }

  /** Like create, `beforeCommit` guards the write that follows the key generation. */
  async rotate(project: string, identity: string, beforeCommit: CommitGuard = noGuard): Promise<KmsKeyRecord> {
    const current = await this.mustGet(project, identity);
    ring.requireActive(current);
    const material = await cipherSuite(current.type).generate();
    return this.change(project, identity, (rec) => ring.rotate(rec, this.now()), material, beforeCommit);
  }

  update(project: string, identity: string, u: KeyUpdate): Promise<KmsKeyRecord> {
    return this.change(project, identity, (rec) => ring.applyUpdate(rec, u));
  }

  /** With `ifUnusedSinceDays`, refused with KEY_IN_USE when the key was used within that many days. */
  async disable(project: string, identity: string, ifUnusedSinceDays?: number | null): Promise<KmsKeyRecord> {
    await this.refuseIfUsed(project, identity, ifUnusedSinceDays);
    return this.change(project, identity, ring.disable);
  }

  enable(project: string, identity: string): Promise<KmsKeyRecord> {
    return this.change(project, identity, ring.enable);
  }

  async scheduleDeletion(project: string, identity: string, pendingWindowDays: number, ifUnusedSinceDays?: number | null): Promise<KmsKeyRecord> {
    ring.validatePendingWindow(pendingWindowDays);
    await this.refuseIfUsed(project, identity, ifUnusedSinceDays);
    return this.change(project, identity, (rec) => ring.scheduleDeletion(rec, pendingWindowDays, this.now()));
  }

  cancelDeletion(project: string, identity: string): Promise<KmsKeyRecord> {
    return this.change(project, identity, ring.cancelDeletion);
  }

  /**
   * The guard of "disable / delete only if unused": a use within the last `days` days (as
   * lastUsedAt reports it, so at most a window stale, and never missing a use on this replica) is
   * KEY_IN_USE. No argument, no check.
   */
  private async refuseIfUsed(project: string, identity: string, days: number | null | undefined): Promise<void> {
    if (days === undefined || days === null) return;
    if (!Number.isInteger(days) || days < 1 || days > MAX_UNUSED_SINCE_DAYS) {
      throw badInput(`ifUnusedSinceDays must be an integer between 1 and ${MAX_UNUSED_SINCE_DAYS}`, { field: 'ifUnusedSinceDays' });
    }
    const rec = await this.mustGet(project, identity);
    const [last] = await this.usage.lastUsedMany([rec]);
    if (last && last.getTime() >= this.now().getTime() - days * DAY_MS) {
      throw new ApiError('KEY_IN_USE', `The KMS key was used within the last ${days} days`, { lastUsedAt: last.toISOString() });
    }
  }

  // ---- sweeper work (called under the sweeper lock) --------------------------------------------

  /** Destroys a pending key's material once its deletion date has passed. True if it did. */
  async destroyIfDue(ref: KeyRef): Promise<KmsKeyRecord | null> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const rec = await this.store.get(ref);
      if (!rec || !ring.deletionDue(rec, this.now())) {
        if (rec) await this.syncSchedules(rec);
        else await this.store.scheduleDeletion(ref, null);
        return null;
      }
      const next = { ...ring.destroyMaterial(rec), rev: rec.rev + 1 };
      if (await this.store.commit(rec.rev, next, { destroyRing: true })) {
        for (let v = 1; v <= rec.latestVersion; v++) this.cache.delete(this.cacheKey(rec, v));
        await this.syncSchedules(next);
        return next;
      }
    }
    return null;
  }

  /** Adds a version when the auto-rotation period has passed. */
  async rotateIfDue(ref: KeyRef): Promise<KmsKeyRecord | null> {
    const first = await this.store.get(ref);
    if (!first || !ring.rotationDue(first, this.now())) {
      if (first) await this.syncSchedules(first, true);
      else await this.store.scheduleRotation(ref, null);
      return null;
    }
    const material = await cipherSuite(first.type).generate();
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const rec = i === 0 ? first : await this.store.get(ref);
      if (!rec || !ring.rotationDue(rec, this.now())) return null;
      const next = { ...ring.rotate(rec, this.now()), rev: rec.rev + 1 };
      const wrapped = this.wrapper.wrap({ ...next, version: next.latestVersion }, material);
      if (await this.store.commit(rec.rev, next, { addVersion: { version: next.latestVersion, createdAt: next.rotatedAt, wrapped } })) {
        await this.syncSchedules(next);
        return next;
      }
    }
    return null;
  }

  // ---- crypto ----------------------------------------------------------------------------------

  async encrypt(rec: KmsKeyRecord, plaintext: Buffer, aad: Buffer | undefined, explicitVersion?: number | null) {
    const suite = this.encryptionSuite(rec, 'encrypt');
    ring.requireActive(rec);
    const version = ring.encryptionVersion(rec, explicitVersion);
    const key = await this.handle(rec, version);
    if (!key) throw ring.notActive(rec);
    const out = { keyVersion: version, ciphertext: formatEnvelope(version, suite.encrypt(key, plaintext, aad)) };
    this.usage.record(rec);
    return out;
  }

  async decrypt(rec: KmsKeyRecord, ciphertext: string, aad: Buffer | undefined) {
    const suite = this.encryptionSuite(rec, 'decrypt');
    ring.requireActive(rec);
    const env = parseEnvelope(ciphertext);
    if (!env || !ring.decryptableVersion(rec, env.version)) throw invalidCiphertext();
    const key = await this.handle(rec, env.version);
    const plaintext = key ? suite.decrypt(key, env.body, aad) : null;
    if (!plaintext) throw invalidCiphertext();
    this.usage.record(rec);
    return { keyVersion: env.version, plaintext };
  }

  async generateDataKey(rec: KmsKeyRecord, bits: number, aad: Buffer | undefined) {
    if (bits !== 128 && bits !== 256) throw badInput('bits must be 128 or 256', { field: 'bits' });
    this.encryptionSuite(rec, 'generate data keys');
    ring.requireActive(rec);
    const plaintext = randomBytes(bits / 8);
    const out = await this.encrypt(rec, plaintext, aad);
    return { ...out, plaintext };
  }

  async encryptBatch(rec: KmsKeyRecord, items: { plaintext: string; associatedData?: string | null }[], decode: (field: string, s: string | null | undefined) => Buffer | undefined) {
    this.checkBatchSize(items.length);
    const suite = this.encryptionSuite(rec, 'encrypt');
    ring.requireActive(rec);
    const version = ring.encryptionVersion(rec);
    const key = await this.handle(rec, version);
    if (!key) throw ring.notActive(rec);
    const out = items.map((item, index): BatchItemOutcome => {
      try {
        const pt = decode('plaintext', item.plaintext) as Buffer;
        const aad = decode('associatedData', item.associatedData);
        return { index, keyVersion: version, ciphertext: formatEnvelope(version, suite.encrypt(key, pt, aad)), plaintext: null, error: null };
      } catch (err) {
        return itemError(index, err);
      }
    });
    if (out.some((o) => o.error === null)) this.usage.record(rec);
    return out;
  }

  async decryptBatch(rec: KmsKeyRecord, items: { ciphertext: string; associatedData?: string | null }[], decode: (field: string, s: string | null | undefined) => Buffer | undefined) {
    this.checkBatchSize(items.length);
    this.encryptionSuite(rec, 'decrypt');
    ring.requireActive(rec);
    const out: BatchItemOutcome[] = [];
    for (let index = 0; index < items.length; index++) {
      try {
        const aad = decode('associatedData', items[index].associatedData);
        const r = await this.decrypt(rec, items[index].ciphertext, aad);
        out.push({ index, keyVersion: r.keyVersion, ciphertext: null, plaintext: r.plaintext, error: null });
      } catch (err) {
        out.push(itemError(index, err));
      }
    }
    return out;
  }

  async sign(rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
    const suite = this.signingSuite(rec, 'sign');
    ring.requireActive(rec);
    const version = ring.encryptionVersion(rec, explicitVersion);
    const key = await this.handle(rec, version);
    if (!key) throw ring.notActive(rec);
    const out = { keyVersion: version, signature: formatEnvelope(version, suite.sign(key, message)) };
    this.usage.record(rec);
    return out;
  }

  async verify(rec: KmsKeyRecord, message: Buffer, signature: string) {
    const suite = this.signingSuite(rec, 'verify');
    ring.requireActive(rec);
    const env = this.parseTag(signature, 'signature');
    if (!ring.decryptableVersion(rec, env.version)) return { valid: false, keyVersion: env.version };
    const key = await this.handle(rec, env.version);
    const out = { valid: key !== null && suite.verify(key, message, env.body), keyVersion: env.version };
    this.usage.record(rec);
    return out;
  }

  async generateMac(rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
    const suite = this.macSuite(rec, 'generate MACs');
    ring.requireActive(rec);
    const version = ring.encryptionVersion(rec, explicitVersion);
    const key = await this.handle(rec, version);
    if (!key) throw ring.notActive(rec);
    const out = { keyVersion: version, mac: formatEnvelope(version, suite.mac(key, message)) };
    this.usage.record(rec);
    return out;
  }

  async verifyMac(rec: KmsKeyRecord, message: Buffer, mac: string) {
    const suite = this.macSuite(rec, 'verify MACs');
    ring.requireActive(rec);
    const env = this.parseTag(mac, 'mac');
    if (!ring.decryptableVersion(rec, env.version)) return { valid: false, keyVersion: env.version };
    const key = await this.handle(rec, env.version);
    const out = { valid: key !== null && suite.verifyMac(key, message, env.body), keyVersion: env.version };
    this.usage.record(rec);
    return out;
  }

  /** SPKI PEM of an asymmetric key's version; null for symmetric keys or destroyed material. */
  async publicKeyPem(rec: KmsKeyRecord, version?: number | null): Promise<string | null> {
    const suite = cipherSuite(rec.type);
    if (suite.purpose !== 'SIGN_VERIFY') return null;
    const v = this.existingVersion(rec, version);
    const key = await this.handle(rec, v);
    return key ? suite.publicKeyPem(key) : null;
  }

  /** Raw material (symmetric) or PKCS8 DER (asymmetric) of an exportable key. */
  async exportMaterial(rec: KmsKeyRecord, version?: number | null) {
    if (!rec.exportable) throw badInput('This KMS key is not exportable');
    ring.requireActive(rec);
    const v = this.existingVersion(rec, version);
    const key = await this.handle(rec, v);
    if (!key) throw notFound(`Key version ${v} no longer exists`);
    return { version: v, keyMaterial: key.material };
  }

  // ---- internals -------------------------------------------------------------------------------

  private existingVersion(rec: KmsKeyRecord, version?: number | null): number {
    const v = version ?? rec.latestVersion;
    if (!Number.isInteger(v) || v < 1 || v > rec.latestVersion) throw notFound(`Key version ${v} does not exist`);
    return v;
  }

  private parseTag(s: string, field: string) {
    const env = parseEnvelope(s);
    if (!env) throw badInput(`${field} must be kms:v<N>:<base64>`, { field });
    return env;
  }

  private checkBatchSize(n: number): void {
    if (n > MAX_BATCH_ITEMS) throw badInput(`A batch holds at most ${MAX_BATCH_ITEMS} items`, { field: 'items' });
  }

  private encryptionSuite(rec: KmsKeyRecord, op: string): EncryptionSuite {
    ring.requirePurpose(rec, 'ENCRYPT_DECRYPT', op);
    return cipherSuite(rec.type) as EncryptionSuite;
  }

  private signingSuite(rec: KmsKeyRecord, op: string): SigningSuite {
    ring.requirePurpose(rec, 'SIGN_VERIFY', op);
    return cipherSuite(rec.type) as SigningSuite;
  }

  private macSuite(rec: KmsKeyRecord, op: string): MacSuite {
    ring.requirePurpose(rec, 'GENERATE_VERIFY_MAC', op);
    return cipherSuite(rec.type) as MacSuite;
  }

  private cacheKey(rec: KmsKeyRecord, version: number): string {
    // createdAt too: a cached version can never be mistaken for one of a later key of the same name.
    return `${rec.project}\u0000${rec.identity}\u0000${rec.createdAt}\u0000${version}`;
  }

  /** Unwrapped material of one version, or null when it no longer exists (destroyed). */
  private async handle(rec: KmsKeyRecord, version: number): Promise<KeyHandle | null> {
    if (rec.materialDestroyed) return null;
    const ck = this.cacheKey(rec, version);
    const hit = this.cache.get(ck);
    if (hit) return hit;
    const wrapped = await this.store.wrappedMaterial(rec, version);
    if (!wrapped) return null;
    const suite: CipherSuite = cipherSuite(rec.type);
    const key = suite.prepare(this.wrapper.unwrap({ region: rec.region, project: rec.project, identity: rec.identity, version }, wrapped));
    this.cache.set(ck, key);
    return key;
  }

  private async mustGet(project: string, identity: string): Promise<KmsKeyRecord> {
    ring.validateIdentity(identity);
    const rec = await this.store.get(this.ref(project, identity));
    if (!rec) throw notFound(`No KMS key "${identity}" in ${this.region}`);
    return rec;
  }

  /**
   * Read, apply a rule, write back if nobody changed the key meanwhile (else retry). With
   * `newMaterial` the change adds version `latestVersion` in the same atomic script.
   */
  private async change(
    project: string,
    identity: string,
    rule: (rec: KmsKeyRecord) => KmsKeyRecord,
    newMaterial?: Buffer,
    beforeCommit: CommitGuard = noGuard,
  ): Promise<KmsKeyRecord> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const rec = await this.mustGet(project, identity);
      const next = { ...rule(rec), rev: rec.rev + 1 };
      const addVersion = newMaterial
        ? { version: next.latestVersion, createdAt: next.rotatedAt, wrapped: this.wrapper.wrap({ ...next, version: next.latestVersion }, newMaterial) }
        : undefined;
      beforeCommit();
      if (await this.store.commit(rec.rev, next, { addVersion })) {
        await this.syncSchedules(next);
        return next;
      }
    }
    throw new ApiError('VERSION_CONFLICT', 'The key was changed concurrently; retry');
  }

  /** Keeps the sweeper's due-lists in line with a record (they are hints; the record decides). */
  private async syncSchedules(rec: KmsKeyRecord, rotationOnly = false): Promise<void> {
    if (!rotationOnly) {
      const pending = rec.status === 'PENDING_DELETION' && !rec.materialDestroyed && rec.deletionDate;
      await this.store.scheduleDeletion(rec, pending ? new Date(rec.deletionDate as string) : null);
    }
    // Only ACTIVE keys rotate; enabling a key puts it back on the list (due at once if overdue).
    await this.store.scheduleRotation(rec, rec.status === 'ACTIVE' ? ring.nextRotationAt(rec) : null);
  }
}
