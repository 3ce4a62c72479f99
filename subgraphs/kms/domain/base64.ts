import { badInput } from '../../../shared/errors';


/** Plaintext, messages and associated data are capped at 64 KiB once decoded (API.md). */
export const MAX_BINARY_BYTES = 64 * 1024;

/**
 * Strict standard base64 (padding required, no whitespace, canonical trailing bits); anything
 * else is null. Node's own decoder silently skips junk (and takes base64url), so the bytes must
 * encode back to exactly `s`: only the encoder's own output, i.e. canonical base64, does.
 */
export function decodeBase64Strict(s: string): Buffer | null {
  if (s.length % 4 !== 0) return null;
  const buf = Buffer.from(s, 'base64');
  return buf.toString('base64') === s ? buf : null;
}

/** Decodes a client-supplied base64 field or throws BAD_USER_INPUT naming the field (never its value). */
export function binaryInput(field: string, s: string, maxBytes = MAX_BINARY_BYTES): Buffer {
  if (s.length > Math.ceil(maxBytes / 3) * 4) throw badInput(`${field} exceeds ${maxBytes} bytes`, { field });
  const buf = decodeBase64Strict(s);
  if (!buf) throw badInput(`${field} must be standard base64`, { field });
  if (buf.length > maxBytes) throw badInput(`${field} exceeds ${maxBytes} bytes`, { field });
  return buf;
}

export function optionalBinaryInput(field: string, s: string | null | undefined): Buffer | undefined {
  return s === null || s === undefined ? undefined : binaryInput(field, s);
}
