import { badInput } from '../../../shared/errors';
import { validatePath } from './secretInput';

/** Opaque page cursors: base64url of the last path (secret lists) or of the last version number. */
export function encodePathCursor(path: string): string {
  return Buffer.from(`p:${path}`, 'utf8').toString('base64url');
}

export function decodePathCursor(cursor: string | null | undefined): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const text = decode(cursor);
  if (!text.startsWith('p:')) throw badInput('after is not a valid cursor', { field: 'after' });
  try {
    return validatePath(text.slice(2), 'after');
  } catch {
    throw badInput('after is not a valid cursor', { field: 'after' });
  }
}

export function encodeVersionCursor(version: number): string {
  return Buffer.from(`v:${version}`, 'utf8').toString('base64url');
}

export function decodeVersionCursor(cursor: string | null | undefined): number | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const m = /^v:([1-9]\d{0,9})$/.exec(decode(cursor));
  if (!m) throw badInput('after is not a valid cursor', { field: 'after' });
  return Number(m[1]);
}

function decode(cursor: string): string {
  if (typeof cursor !== 'string' || cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw badInput('after is not a valid cursor', { field: 'after' });
  }
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
