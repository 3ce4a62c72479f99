import { ApiError, badInput } from '../../../shared/errors';
import { validateKeyIdentity } from '../../../shared/identifiers';
import type { KeyPurpose, KeyStatus, KeyType } from './keyTypes';

/** Everything known about a KMS key except its material (which lives wrapped in the ring). */
export interface KmsKeyRecord {
  region: string;
  project: string;
  identity: string;
  type: KeyType;
  purpose: KeyPurpose;
  status: KeyStatus;
  description: string | null;
  exportable: boolean;
  createdAt: string;
  latestVersion: number;
  minDecryptionVersion: number;
  /** 0 = latest. */
  minEncryptionVersion: number;
  autoRotatePeriodDays: number | null;
  deletionDate: string | null;
  /** When the latest version was made (auto-rotation counts from here). */
  rotatedAt: string;
  /** Set by the sweeper once the deletion window has passed; the key never works again. */
  materialDestroyed: boolean;
  /** Optimistic-concurrency revision: every write bumps it, a stale write is refused. */
  rev: number;
}

export interface KeyVersionInfo {
  version: number;
  createdAt: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_AUTO_ROTATE_DAYS = 3650;
export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;
export const MAX_DESCRIPTION_CHARS = 1024;

/** The shared key-identity rule (shared/identifiers.ts), kept under the name this module's unit test checks it by. */
export const validateIdentity: (identity: string, field?: string) => void = validateKeyIdentity;

export function validateDescription(d: string | null | undefined): void {
  if (d !== null && d !== undefined && d.length > MAX_DESCRIPTION_CHARS) {
    throw badInput(`description exceeds ${MAX_DESCRIPTION_CHARS} characters`, { field: 'description' });
  }
}

/** null / 0 switch auto-rotation off. */
export function normaliseAutoRotate(days: number | null | undefined): number | null {
  if (days === null || days === undefined || days === 0) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_AUTO_ROTATE_DAYS) {
    throw badInput(`autoRotatePeriodDays must be between 1 and ${MAX_AUTO_ROTATE_DAYS} (or 0/null for none)`, { field: 'autoRotatePeriodDays' });
  }
  return days;
}

export function notActive(rec: KmsKeyRecord): ApiError {
  return new ApiError('KMS_KEY_NOT_ACTIVE', `KMS key is ${rec.status}`, { kmsKeyStatus: rec.status });
}

export function requireActive(rec: KmsKeyRecord): void {
  if (rec.status !== 'ACTIVE') throw notActive(rec);
}

export function requirePurpose(rec: KmsKeyRecord, purpose: KeyPurpose, operation: string): void {
  if (rec.purpose !== purpose) {
    throw new ApiError('UNSUPPORTED_KEY_TYPE', `A ${rec.type} key cannot ${operation}`, { keyType: rec.type });
  }
}

/** Version used when the caller names none: minEncryptionVersion when set, else the latest. */
export function defaultEncryptionVersion(rec: KmsKeyRecord): number {
  return rec.minEncryptionVersion > 0 ? rec.minEncryptionVersion : rec.latestVersion;
}

/**
 * An explicit version must exist and not be retired for new work: at least minEncryptionVersion
 * when one is set (0 = none), and never below minDecryptionVersion.
 */
export function encryptionVersion(rec: KmsKeyRecord, explicit?: number | null): number {
  if (explicit === null || explicit === undefined) return defaultEncryptionVersion(rec);
  const lowest = Math.max(rec.minDecryptionVersion, rec.minEncryptionVersion, 1);
  if (!Number.isInteger(explicit) || explicit < lowest || explicit > rec.latestVersion) {
    throw badInput(`keyVersion must be between ${lowest} and ${rec.latestVersion}`, { field: 'keyVersion' });
  }
  return explicit;
}

/** A ciphertext / signature / MAC version is usable when it exists and is not below minDecryptionVersion. */
export function decryptableVersion(rec: KmsKeyRecord, version: number): boolean {
  return version >= Math.max(rec.minDecryptionVersion, 1) && version <= rec.latestVersion && !rec.materialDestroyed;
}

export interface KeyUpdate {
  description?: string | null;
  minDecryptionVersion?: number | null;
  minEncryptionVersion?: number | null;
  autoRotatePeriodDays?: number | null;
}

/** Vault's rules: 1 ≤ minDecryption ≤ latest; minEncryption 0 or minDecryption ≤ minEncryption ≤ latest. */
export function applyUpdate(rec: KmsKeyRecord, u: KeyUpdate): KmsKeyRecord {
  const next = { ...rec };
  if (u.description !== undefined) {
    validateDescription(u.description);
    next.description = u.description;
  }
  if (u.minDecryptionVersion !== undefined && u.minDecryptionVersion !== null) next.minDecryptionVersion = u.minDecryptionVersion;
  if (u.minEncryptionVersion !== undefined && u.minEncryptionVersion !== null) next.minEncryptionVersion = u.minEncryptionVersion;
  if (u.autoRotatePeriodDays !== undefined) next.autoRotatePeriodDays = normaliseAutoRotate(u.autoRotatePeriodDays);
  if (!Number.isInteger(next.minDecryptionVersion) || next.minDecryptionVersion < 1 || next.minDecryptionVersion > next.latestVersion) {
    throw badInput(`minDecryptionVersion must be between 1 and ${next.latestVersion}`, { field: 'minDecryptionVersion' });
  }
  const minEnc = next.minEncryptionVersion;
  if (!Number.isInteger(minEnc) || (minEnc !== 0 && (minEnc < next.minDecryptionVersion || minEnc > next.latestVersion))) {
    throw badInput(`minEncryptionVersion must be 0 or between minDecryptionVersion (${next.minDecryptionVersion}) and ${next.latestVersion}`, { field: 'minEncryptionVersion' });
  }
  return next;
}

export function disable(rec: KmsKeyRecord): KmsKeyRecord {
  if (rec.status === 'PENDING_DELETION') throw badInput('Key is pending deletion; cancel the deletion first');
  return { ...rec, status: 'DISABLED' };
}

export function enable(rec: KmsKeyRecord): KmsKeyRecord {
  if (rec.status === 'PENDING_DELETION') throw badInput('Key is pending deletion; cancel the deletion first');
  return { ...rec, status: 'ACTIVE' };
}

export function validatePendingWindow(days: number): void {
  if (!Number.isInteger(days) || days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
    throw badInput(`pendingWindowDays must be between ${MIN_PENDING_WINDOW_DAYS} and ${MAX_PENDING_WINDOW_DAYS}`, { field: 'pendingWindowDays' });
  }
}

export function scheduleDeletion(rec: KmsKeyRecord, pendingWindowDays: number, now: Date): KmsKeyRecord {
  validatePendingWindow(pendingWindowDays);
  if (rec.status === 'PENDING_DELETION') throw badInput('Key is already pending deletion');
  return { ...rec, status: 'PENDING_DELETION', deletionDate: new Date(now.getTime() + pendingWindowDays * DAY_MS).toISOString() };
}

export function cancelDeletion(rec: KmsKeyRecord): KmsKeyRecord {
  if (rec.status !== 'PENDING_DELETION') throw badInput('Key is not pending deletion');
  if (rec.materialDestroyed) throw badInput('Key material has already been destroyed');
  return { ...rec, status: 'DISABLED', deletionDate: null };
}

/** A rotation adds version latest+1; nothing is re-encrypted. */
export function rotate(rec: KmsKeyRecord, now: Date): KmsKeyRecord {
  requireActive(rec);
  return { ...rec, latestVersion: rec.latestVersion + 1, rotatedAt: now.toISOString() };
}

export function deletionDue(rec: KmsKeyRecord, now: Date): boolean {
  return rec.status === 'PENDING_DELETION' && !rec.materialDestroyed && rec.deletionDate !== null && Date.parse(rec.deletionDate) <= now.getTime();
}

export function nextRotationAt(rec: KmsKeyRecord): Date | null {
  if (rec.autoRotatePeriodDays === null || rec.materialDestroyed) return null;
  return new Date(Date.parse(rec.rotatedAt) + rec.autoRotatePeriodDays * DAY_MS);
}

export function rotationDue(rec: KmsKeyRecord, now: Date): boolean {
  const at = nextRotationAt(rec);
  return rec.status === 'ACTIVE' && at !== null && at.getTime() <= now.getTime();
}

export function destroyMaterial(rec: KmsKeyRecord): KmsKeyRecord {
  return { ...rec, materialDestroyed: true };
}
