import { ApiError } from '../../../shared/errors';
import * as ring from './keyRing';
import type { KmsKeyRecord } from './keyRing';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;

function key(over: Partial<KmsKeyRecord> = {}): KmsKeyRecord {
  return {
    region: 'us-east-1', project: 'p', identity: 'k', type: 'AES256_GCM96', purpose: 'ENCRYPT_DECRYPT', status: 'ACTIVE',
    description: null, exportable: false, createdAt: NOW.toISOString(), latestVersion: 3, minDecryptionVersion: 1,
    minEncryptionVersion: 0, autoRotatePeriodDays: null, deletionDate: null, rotatedAt: NOW.toISOString(), materialDestroyed: false, rev: 1,
    ...over,
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : 'NOT_API_ERROR';
  }
  return undefined;
}

describe('key identity', () => {
  it.each(['a', 'payments', 'k-1', '0abc', 'a'.repeat(63)])('accepts %s', (id) => expect(code(() => ring.validateIdentity(id))).toBeUndefined());
  it.each(['', '-a', 'A', 'a_b', 'a.b', 'a'.repeat(64), 'a b', '{x}'])('refuses %p', (id) => expect(code(() => ring.validateIdentity(id))).toBe('BAD_USER_INPUT'));
});

describe('update (Vault rules)', () => {
  it('minDecryptionVersion must be within 1..latest', () => {
    expect(ring.applyUpdate(key(), { minDecryptionVersion: 3 }).minDecryptionVersion).toBe(3);
    expect(code(() => ring.applyUpdate(key(), { minDecryptionVersion: 0 }))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.applyUpdate(key(), { minDecryptionVersion: 4 }))).toBe('BAD_USER_INPUT');
  });

  it('minEncryptionVersion must be 0 or within minDecryptionVersion..latest', () => {
    expect(ring.applyUpdate(key(), { minEncryptionVersion: 0 }).minEncryptionVersion).toBe(0);
    expect(ring.applyUpdate(key({ minDecryptionVersion: 2 }), { minEncryptionVersion: 2 }).minEncryptionVersion).toBe(2);
    expect(code(() => ring.applyUpdate(key({ minDecryptionVersion: 2 }), { minEncryptionVersion: 1 }))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.applyUpdate(key(), { minEncryptionVersion: 4 }))).toBe('BAD_USER_INPUT');
    // Raising minDecryption above an existing minEncryption is refused as a whole.
    expect(code(() => ring.applyUpdate(key({ minEncryptionVersion: 2 }), { minDecryptionVersion: 3 }))).toBe('BAD_USER_INPUT');
  });

  it('autoRotatePeriodDays: null/0 switch off, range enforced; description kept unless given', () => {
    const k = key({ autoRotatePeriodDays: 30, description: 'd' });
    expect(ring.applyUpdate(k, { autoRotatePeriodDays: null }).autoRotatePeriodDays).toBeNull();
    expect(ring.applyUpdate(k, { autoRotatePeriodDays: 0 }).autoRotatePeriodDays).toBeNull();
    expect(ring.applyUpdate(k, {}).autoRotatePeriodDays).toBe(30);
    expect(ring.applyUpdate(k, {}).description).toBe('d');
    expect(ring.applyUpdate(k, { description: null }).description).toBeNull();
    expect(code(() => ring.applyUpdate(k, { autoRotatePeriodDays: -1 }))).toBe('BAD_USER_INPUT');
  });
});

describe('versions used by crypto', () => {
  it('encrypts with the latest version, or minEncryptionVersion when set', () => {
    expect(ring.encryptionVersion(key())).toBe(3);
    expect(ring.encryptionVersion(key({ minEncryptionVersion: 2 }))).toBe(2);
  });

  it('an explicit version must lie in max(minDecryption,1)..latest', () => {
    expect(ring.encryptionVersion(key(), 1)).toBe(1);
    expect(code(() => ring.encryptionVersion(key(), 4))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.encryptionVersion(key({ minDecryptionVersion: 2 }), 1))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.encryptionVersion(key(), 0))).toBe('BAD_USER_INPUT');
  });

  it('an explicit version below minEncryptionVersion (when set) is refused; at or above it serves', () => {
    expect(code(() => ring.encryptionVersion(key({ minEncryptionVersion: 2 }), 1))).toBe('BAD_USER_INPUT');
    expect(ring.encryptionVersion(key({ minEncryptionVersion: 2 }), 2)).toBe(2);
    expect(ring.encryptionVersion(key({ minEncryptionVersion: 2 }), 3)).toBe(3);
  });

  it('decrypts only versions within minDecryptionVersion..latest, never destroyed ones', () => {
    const k = key({ minDecryptionVersion: 2 });
    expect([1, 2, 3, 4].map((v) => ring.decryptableVersion(k, v))).toEqual([false, true, true, false]);
    expect(ring.decryptableVersion(key({ materialDestroyed: true }), 3)).toBe(false);
  });
});

describe('lifecycle', () => {
  it('disable / enable / schedule / cancel follow the state table', () => {
    const disabled = ring.disable(key());
    expect(disabled.status).toBe('DISABLED');
    expect(ring.enable(disabled).status).toBe('ACTIVE');
    const pending = ring.scheduleDeletion(disabled, 7, NOW);
    expect(pending.status).toBe('PENDING_DELETION');
    expect(pending.deletionDate).toBe(new Date(NOW.getTime() + 7 * DAY).toISOString());
    expect(code(() => ring.enable(pending))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.disable(pending))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.scheduleDeletion(pending, 7, NOW))).toBe('BAD_USER_INPUT');
    const cancelled = ring.cancelDeletion(pending);
    expect(cancelled.status).toBe('DISABLED');
    expect(cancelled.deletionDate).toBeNull();
    expect(code(() => ring.cancelDeletion(cancelled))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.cancelDeletion(ring.destroyMaterial(pending)))).toBe('BAD_USER_INPUT');
  });

  it('pending window is 7..30 days', () => {
    expect(code(() => ring.scheduleDeletion(key(), 6, NOW))).toBe('BAD_USER_INPUT');
    expect(code(() => ring.scheduleDeletion(key(), 31, NOW))).toBe('BAD_USER_INPUT');
    expect(ring.scheduleDeletion(key(), 30, NOW).deletionDate).toBe(new Date(NOW.getTime() + 30 * DAY).toISOString());
  });

  it('rotation adds a version and needs an active key', () => {
    const r = ring.rotate(key(), new Date(NOW.getTime() + 5));
    expect(r.latestVersion).toBe(4);
    expect(r.rotatedAt).toBe(new Date(NOW.getTime() + 5).toISOString());
    expect(code(() => ring.rotate(key({ status: 'DISABLED' }), NOW))).toBe('KMS_KEY_NOT_ACTIVE');
  });

  it('deletion and rotation fall due at their dates', () => {
    const pending = ring.scheduleDeletion(key(), 7, NOW);
    expect(ring.deletionDue(pending, new Date(NOW.getTime() + 7 * DAY - 1))).toBe(false);
    expect(ring.deletionDue(pending, new Date(NOW.getTime() + 7 * DAY))).toBe(true);
    expect(ring.deletionDue(ring.destroyMaterial(pending), new Date(NOW.getTime() + 8 * DAY))).toBe(false);
    const rotating = key({ autoRotatePeriodDays: 10 });
    expect(ring.rotationDue(rotating, new Date(NOW.getTime() + 10 * DAY - 1))).toBe(false);
    expect(ring.rotationDue(rotating, new Date(NOW.getTime() + 10 * DAY))).toBe(true);
    expect(ring.rotationDue({ ...rotating, status: 'DISABLED' }, new Date(NOW.getTime() + 11 * DAY))).toBe(false);
    expect(ring.rotationDue(key(), new Date(NOW.getTime() + 1000 * DAY))).toBe(false);
  });

  it('crypto on a non-active key is KMS_KEY_NOT_ACTIVE with the status', () => {
    try {
      ring.requireActive(key({ status: 'PENDING_DELETION' }));
      throw new Error('no error');
    } catch (e) {
      expect((e as ApiError).code).toBe('KMS_KEY_NOT_ACTIVE');
      expect((e as ApiError).extensions.kmsKeyStatus).toBe('PENDING_DELETION');
    }
    expect(code(() => ring.requirePurpose(key({ type: 'ED25519', purpose: 'SIGN_VERIFY' }), 'ENCRYPT_DECRYPT', 'encrypt'))).toBe('UNSUPPORTED_KEY_TYPE');
  });
});
