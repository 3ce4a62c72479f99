import type { KeyObject } from 'node:crypto';
import type { KeyPurpose, KeyType } from '../keyTypes';

/**
 * Unwrapped material of one key version, ready for use. `material` is what is wrapped at rest and
 * what export returns: raw bytes for symmetric keys, PKCS8 DER for asymmetric ones.
 */
export interface KeyHandle {
  readonly material: Buffer;
  readonly privateKey?: KeyObject;
  readonly publicKey?: KeyObject;
}

interface SuiteBase {
  readonly type: KeyType;
  /** New random material for a version. */
  generate(): Promise<Buffer>;
  /** Parses material once so the hot path does not (cached with the material). */
  prepare(material: Buffer): KeyHandle;
}

/** AEAD: output and input are nonce ‖ ciphertext ‖ tag, exactly what standard libraries use. */
export interface EncryptionSuite extends SuiteBase {
  readonly purpose: 'ENCRYPT_DECRYPT';
  encrypt(key: KeyHandle, plaintext: Buffer, associatedData?: Buffer): Buffer;
  /** Null when the body is malformed or fails authentication (tampered, wrong key, wrong AAD). */
  decrypt(key: KeyHandle, body: Buffer, associatedData?: Buffer): Buffer | null;
}

export interface SigningSuite extends SuiteBase {
  readonly purpose: 'SIGN_VERIFY';
  sign(key: KeyHandle, message: Buffer): Buffer;
  verify(key: KeyHandle, message: Buffer, signature: Buffer): boolean;
  /** SPKI PEM of the public half. */
  publicKeyPem(key: KeyHandle): string;
}

export interface MacSuite extends SuiteBase {
  readonly purpose: 'GENERATE_VERIFY_MAC';
  mac(key: KeyHandle, message: Buffer): Buffer;
  verifyMac(key: KeyHandle, message: Buffer, mac: Buffer): boolean;
}

export type CipherSuite = EncryptionSuite | SigningSuite | MacSuite;
export type { KeyPurpose };
