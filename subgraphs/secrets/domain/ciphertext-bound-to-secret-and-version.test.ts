import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { secretAssociatedData, secretAssociatedDataB64 } from './associatedData';

// Real AES-256-GCM, as KMS uses: the associated data alone decides whether a moved ciphertext opens.
const key = randomBytes(32);
function seal(plaintext: string, aad: Buffer) {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { nonce, ct, tag: c.getAuthTag() };
}
function open(s: ReturnType<typeof seal>, aad: Buffer): string {
  const d = createDecipheriv('aes-256-gcm', key, s.nonce).setAAD(aad);
  d.setAuthTag(s.tag);
  return Buffer.concat([d.update(s.ct), d.final()]).toString('utf8');
}

test('a ciphertext opens only under the project, path, version and incarnation it was sealed for', () => {
  const sealed = seal('db-password', secretAssociatedData('acme', 'app/db', 3, 'uid1'));
  expect(open(sealed, secretAssociatedData('acme', 'app/db', 3, 'uid1'))).toBe('db-password');
  for (const other of [
    secretAssociatedData('acme', 'app/db', 4, 'uid1'), // another version
    secretAssociatedData('acme', 'app/db2', 3, 'uid1'), // another secret
    secretAssociatedData('other', 'app/db', 3, 'uid1'), // another project
    secretAssociatedData('acme', 'app/db', 3, 'uid2'), // the path deleted and recreated
  ]) {
    expect(() => open(sealed, other)).toThrow();
  }
});

test('associated data is unambiguous and sent as standard base64', () => {
  expect(secretAssociatedData('a', 'b/c', 1, 'u').equals(secretAssociatedData('a', 'b/c', 11, 'u'))).toBe(false);
  expect(secretAssociatedData('ab', 'c', 1, 'u').equals(secretAssociatedData('a', 'bc', 1, 'u'))).toBe(false);
  const b64 = secretAssociatedDataB64('acme', 'app/db', 3, 'uid1');
  expect(b64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(['secrets/v1', 'acme', 'app/db', '3', 'uid1'].join('\u0000'));
});
