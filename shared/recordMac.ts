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

  /**
   * The MAC of the parts (each prefixed with its UTF-8 length as 4 bytes big-endian, so no two part
   * lists encode the same), base64url. The whole message is laid out in one buffer and fed to the
   * HMAC at once: a key record is verified on every read, so this runs hundreds of times per page.
   */
  sign(parts: readonly string[]): string {
    let size = 0;
    for (const p of parts) size += 4 + Buffer.byteLength(p, 'utf8');
    const msg = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of parts) {
      const n = msg.write(p, at + 4, 'utf8');
      msg.writeUInt32BE(n, at);
      at += 4 + n;
    }
    return createHmac('sha256', this.key).update(this.purpose, 'utf8').update(msg).digest('base64url');
  }

  /** False for a missing, malformed or wrong MAC (records written without one are refused too). */
  verify(parts: readonly string[], mac: string | undefined): boolean {
    if (typeof mac !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return false;
    return timingSafeEqual(Buffer.from(mac, 'base64url'), Buffer.from(this.sign(parts), 'base64url'));
  }
}

/**
 * The records a RecordMac has already verified, by MAC: whether `mac` holds over a record is a
 * pure function of the key and the record's sealed values, so a record read again with the same
 * MAC and exactly the same values (compared one by one, no encoding) needs no second HMAC. A page
 * of 100 KMS keys is re-read on every request: without this, the HMAC per record is most of the
 * KMS's CPU for it. Only values that passed a real verification are remembered; a changed value,
 * or a MAC not seen, goes to the HMAC as before. Bounded (oldest dropped first).
 */
export class VerifiedRecords {
  private readonly seen = new Map<string, readonly (string | undefined)[]>();

  constructor(private readonly max = 4096) {}

  /** True only if these exact values were verified under this MAC before. */
  holds(mac: string | undefined, values: readonly (string | undefined)[]): boolean {
    if (typeof mac !== 'string') return false;
    const known = this.seen.get(mac);
    if (known === undefined || known.length !== values.length) return false;
    for (let i = 0; i < values.length; i++) if (known[i] !== values[i]) return false;
    return true;
  }

  /** Call only after the MAC over these values was verified. */
  remember(mac: string, values: readonly (string | undefined)[]): void {
    if (this.seen.size >= this.max && !this.seen.has(mac)) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(mac, values);
  }
}
