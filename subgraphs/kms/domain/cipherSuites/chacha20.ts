import { randomBytes } from 'node:crypto';
import type { EncryptionSuite } from './cipherSuite';
import { aeadOpen, aeadSeal } from './aead';

/** ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag. */
export const chacha20Poly1305: EncryptionSuite = {
  type: 'CHACHA20_POLY1305',
  purpose: 'ENCRYPT_DECRYPT',
  async generate() {
    return randomBytes(32);
  },
  prepare(material) {
    if (material.length !== 32) throw new Error('CHACHA20_POLY1305 material must be 32 bytes');
    return { material };
  },
  encrypt: (key, plaintext, aad) => aeadSeal('chacha20-poly1305', key.material, plaintext, aad),
  decrypt: (key, body, aad) => aeadOpen('chacha20-poly1305', key.material, body, aad),
};
