import { aeadOpen, aeadSeal } from './cipherSuites/aead';

/** Which version of which key a wrapped blob belongs to: bound into the AAD of the wrapping. */
export interface VersionRef {
  region: string;
  project: string;
  identity: string;
  version: number;
}

function wrapAad(ref: VersionRef): Buffer {
  // Length-prefixed parts, so no choice of names can make two different refs collide.
  const parts = ['kms-wrap-v1', ref.region, ref.project, ref.identity, String(ref.version)];
  return Buffer.concat(parts.map((p) => {
    const b = Buffer.from(p, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  }));
}

/**
 * Wraps key-version material with AES-256-GCM under the region's root key. The AAD binds region,
 * project, identity and version, so a wrapped blob cannot be moved to another key or version.
 */
export class KeyWrapper {
  private readonly rootKey: Buffer;
  private readonly previousRootKey: Buffer | null;

  /**
   * `previousRootKey`: during a root-key rotation, blobs not yet rewrapped are still under the old
   * key; they unwrap under it, while everything new is wrapped under `rootKey` alone.
   */
  constructor(rootKey: Buffer, previousRootKey: Buffer | null = null) {
    if (rootKey.length !== 32) throw new Error('KMS root key must be 32 bytes');
    if (previousRootKey && previousRootKey.length !== 32) throw new Error('previous KMS root key must be 32 bytes');
    this.rootKey = Buffer.from(rootKey);
    this.previousRootKey = previousRootKey ? Buffer.from(previousRootKey) : null;
  }

  wrap(ref: VersionRef, material: Buffer): Buffer {
    return aeadSeal('aes-256-gcm', this.rootKey, material, wrapAad(ref));
  }

  /** True when the blob unwraps under the current root key alone (already rewrapped by a rotation). */
  isCurrent(ref: VersionRef, wrapped: Buffer): boolean {
    return aeadOpen('aes-256-gcm', this.rootKey, wrapped, wrapAad(ref)) !== null;
  }

  /** Throws when the blob is not this ref's (moved, tampered, or another root key). */
  unwrap(ref: VersionRef, wrapped: Buffer): Buffer {
    const aad = wrapAad(ref);
    const material = aeadOpen('aes-256-gcm', this.rootKey, wrapped, aad)
      ?? (this.previousRootKey ? aeadOpen('aes-256-gcm', this.previousRootKey, wrapped, aad) : null);
    if (!material) throw new Error('wrapped key material failed authentication');
    return material;
  }
}
