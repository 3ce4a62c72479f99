/** The key types, states and purposes of API.md, as plain TypeScript (no GraphQL here). */
export const KEY_TYPES = [
  'AES128_GCM96', 'AES256_GCM96', 'CHACHA20_POLY1305',
  'RSA_2048', 'RSA_4096', 'ECDSA_P256', 'ED25519', 'HMAC_SHA256',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const KEY_STATUSES = ['ACTIVE', 'DISABLED', 'PENDING_DELETION'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const KEY_PURPOSES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s);
}
export function isKeyStatus(s: string): s is KeyStatus {
  return (KEY_STATUSES as readonly string[]).includes(s);
}
