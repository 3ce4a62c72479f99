import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { badInput } from './errors';

/**
 * Page cursors (`after` / `pageInfo.endCursor`) of every connection. A cursor carries a store
 * position (a secret path, a key identity, a stream id...), which a path-confined token must not
 * read, and which must not be replayed on another listing, filter or caller. So the position is
 * sealed with AES-256-GCM under a key derived from INTERNAL_SECRET (every service holds it, so any
 * replica opens what another sealed), with the binding — listing, canonical filter, project, token
 * id — as associated data: anything else than a cursor sealed for exactly this binding fails to
 * open and is BAD_USER_INPUT.
 */

/** Filter values as the listing received them; undefined and null are the same filter. */
export type CursorFilter = Record<string, string | number | boolean | null | undefined>;

export interface CursorBinding {
  /** The connection, e.g. `secrets`, `Secret.versions`, `kmsKeys`. */
  listing: string;
  filter: CursorFilter;
  project: string;
  tokenId: string;
}

/** A codec bound to one listing, filter and caller. */
export interface BoundCursor {
  /** The position a cursor carries; null for no cursor. BAD_USER_INPUT unless sealed for this binding. */
  open(after: string | null | undefined): string | null;
  /** The client's cursor for a position (null stays null). */
  seal(position: string | null): string | null;
}

const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed 512-character path is ~720 characters; anything much longer is not ours. */
const MAX_CURSOR_CHARS = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const invalid = () => badInput('after is not a valid cursor', { field: 'after' });

function associatedData(b: CursorBinding): Buffer {
  const filter = Object.keys(b.filter)
    .sort()
    .map((k) => [k, b.filter[k] ?? null]);
  return Buffer.from(JSON.stringify([FORMAT, b.listing, filter, b.project, b.tokenId]), 'utf8');
}

export class PageCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (!secret) throw new Error('PageCursors needs a secret');
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'page-cursor/v1', 32));
  }

  seal(position: string, binding: CursorBinding): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(associatedData(binding));
    const ct = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), nonce, ct, cipher.getAuthTag()]).toString('base64url');
  }

  /** The position, or BAD_USER_INPUT for anything not sealed by seal() with this very binding. */
  open(cursor: unknown, binding: CursorBinding): string {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) throw invalid();
    const raw = Buffer.from(cursor, 'base64url');
    if (raw.length < 1 + NONCE_BYTES + TAG_BYTES || raw[0] !== FORMAT) throw invalid();
    const nonce = raw.subarray(1, 1 + NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const ct = raw.subarray(1 + NONCE_BYTES, raw.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
      decipher.setAAD(associatedData(binding));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw invalid();
    }
  }

  bind(binding: CursorBinding): BoundCursor {
    return {
      // An empty `after` has always meant "from the start".
      open: (after) => (after === undefined || after === null || after === '' ? null : this.open(after, binding)),
      seal: (position) => (position === null ? null : this.seal(position, binding)),
    };
  }
}

const bySecret = new Map<string, PageCursors>();

/** The process's codec for a secret (derived once). */
export function pageCursors(secret: string): PageCursors {
  let c = bySecret.get(secret);
  if (!c) {
    c = new PageCursors(secret);
    bySecret.set(secret, c);
  }
  return c;
}
