import type { KeyType } from '../keyTypes';
import type { CipherSuite } from './cipherSuite';
import { aes128Gcm, aes256Gcm } from './aesGcm';
import { chacha20Poly1305 } from './chacha20';
import { rsa2048, rsa4096 } from './rsaPss';
import { ecdsaP256 } from './ecdsaP256';
import { ed25519 } from './ed25519';
import { hmacSha256 } from './hmacSha256';

export type { CipherSuite, EncryptionSuite, SigningSuite, MacSuite, KeyHandle } from './cipherSuite';

/** One cipher suite per key type: adding a type is one module plus one line here. */
const SUITES: Record<KeyType, CipherSuite> = {
  AES128_GCM96: aes128Gcm,
  AES256_GCM96: aes256Gcm,
  CHACHA20_POLY1305: chacha20Poly1305,
  RSA_2048: rsa2048,
  RSA_4096: rsa4096,
  ECDSA_P256: ecdsaP256,
  ED25519: ed25519,
  HMAC_SHA256: hmacSha256,
};

export function cipherSuite(type: KeyType): CipherSuite {
  const s = SUITES[type];
  if (!s) throw new Error(`no cipher suite for key type ${type}`);
  return s;
}
