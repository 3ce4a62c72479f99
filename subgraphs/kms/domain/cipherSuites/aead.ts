import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import { NONCE_BYTES, TAG_BYTES } from '../ciphertext';

type AeadAlgorithm = CipherGCMTypes | CipherChaCha20Poly1305Types;

/** nonce(12, random) ‖ ciphertext ‖ tag(16): the layout WebCrypto and libsodium-style APIs expect. */
export function aeadSeal(alg: AeadAlgorithm, key: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(alg as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (aad && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, ct, cipher.getAuthTag()]);
}

export function aeadOpen(alg: AeadAlgorithm, key: Buffer, body: Buffer, aad?: Buffer): Buffer | null {
  if (body.length < NONCE_BYTES + TAG_BYTES) return null;
  const nonce = body.subarray(0, NONCE_BYTES);
  const tag = body.subarray(body.length - TAG_BYTES);
  const ct = body.subarray(NONCE_BYTES, body.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(alg as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (aad && aad.length > 0) decipher.setAAD(aad, { plaintextLength: ct.length });
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    return null;
  }
}
