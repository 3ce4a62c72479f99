import { randomBytes } from 'node:crypto';
import type { EncryptionSuite } from './cipherSuite';
import { aeadOpen, aeadSeal } from './aead';

function aesGcm(type: 'AES128_GCM96' | 'AES256_GCM96', bytes: 16 | 32): EncryptionSuite {
  const alg = bytes === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  return {
    type,
    purpose: 'ENCRYPT_DECRYPT',
    async generate() {
      return randomBytes(bytes);
    },
    prepare(material) {
      if (material.length !== bytes) throw new Error(`${type} material must be ${bytes} bytes`);
      return { material };
    },
    encrypt: (key, plaintext, aad) => aeadSeal(alg, key.material, plaintext, aad),
    decrypt: (key, body, aad) => aeadOpen(alg, key.material, body, aad),
  };
}

export const aes128Gcm = aesGcm('AES128_GCM96', 16);
export const aes256Gcm = aesGcm('AES256_GCM96', 32);
