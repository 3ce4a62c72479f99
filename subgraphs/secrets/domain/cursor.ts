import { badInput } from '../../../shared/errors';
import { validatePath } from './secretInput';

/**
 * Page positions as the store reads them: the last path (secret lists) or the last version number.
 * Clients only ever see them sealed into opaque cursors (shared/cursor.ts, at the resolvers);
 * a position is still checked here, so the store never reads one that is not well formed.
 */
export function pathPosition(after: string | null | undefined): string | null {
  if (after === undefined || after === null || after === '') return null;
  try {
    return validatePath(after, 'after');
  } catch {
    throw badInput('after is not a valid cursor', { field: 'after' });
  }
}

export function versionPosition(after: string | null | undefined): number | null {
  if (after === undefined || after === null || after === '') return null;
  if (!/^[1-9]\d{0,9}$/.test(after)) throw badInput('after is not a valid cursor', { field: 'after' });
  return Number(after);
}
