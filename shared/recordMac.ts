import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * MACs over records kept in Redis, so that Redis holds state but not authority: a record whose
 * security fields were written by anyone but the service that holds the key is refused.
 * Keys are derived (HKDF-SHA256) from secret configuration, one per purpose: token records from
 * INTERNAL_SECRET (held by the services that verify tokens), KMS key metadata from the region's
 * KMS root key (held by that region's KMS alone).
 */
export type RecordPurpose = 'token-record-v1' | 'kms-key-metadata-v1';

export class RecordMac {
  private readonly key: Buffer;

  constructor(secret: string | Buffer, readonly purpose: RecordPurpose) {
    const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    this.key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), `secrets-manager record-mac ${purpose}`, 32));
  }

  /** The MAC of the parts (length-prefixed, so no two part lists encode the same), base64url. */
  sign(parts: readonly string[]): string {
    const h = createHmac('sha256', this.key).update(this.purpose, 'utf8');
    for (const p of parts) {
      const b = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      h.update(len).update(b);
    }
    return h.digest('base64url');
  }

  /** False for a missing, malformed or wrong MAC (records written without one are refused too). */
  verify(parts: readonly string[], mac: string | undefined): boolean {
    if (typeof mac !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return false;
    return timingSafeEqual(Buffer.from(mac, 'base64url'), Buffer.from(this.sign(parts), 'base64url'));
  }
}
