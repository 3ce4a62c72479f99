import { decodeBase64Strict } from './base64';

/** `kms:v<N>:<base64>` — the envelope of ciphertexts, signatures and MACs alike. */
const ENVELOPE_RE = /^kms:v([1-9][0-9]{0,8}):([A-Za-z0-9+/=]*)$/;
/** Longest envelope accepted: 64 KiB plaintext plus nonce and tag, base64, plus prefix. */
export const MAX_ENVELOPE_CHARS = 90_000;

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export function formatEnvelope(version: number, body: Buffer): string {
  return `kms:v${version}:${body.toString('base64')}`;
}

/** The version and raw bytes of an envelope, or null when it is malformed. */
export function parseEnvelope(s: string): { version: number; body: Buffer } | null {
  if (typeof s !== 'string' || s.length > MAX_ENVELOPE_CHARS) return null;
  const m = ENVELOPE_RE.exec(s);
  if (!m) return null;
  const body = decodeBase64Strict(m[2]);
  if (!body) return null;
  return { version: Number(m[1]), body };
}
