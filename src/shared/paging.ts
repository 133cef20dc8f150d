// Keyset paging, one way for every list the API pages: an opaque cursor that names what the list is
// ordered by (or which computed result it pages), the sort value and the customer or row id that breaks
// ties; a page asks for one row more than it shows, so `hasNextPage` costs no COUNT.
import { InputError } from '../errors/domain-errors.js';

export const MAX_PAGE_SIZE = 500;

/** A cursor's content: the ordering (or result) it belongs to, the sort value, the tie-breaking id. */
export type CursorKey = [scope: string, value: number, id: number];

export interface Page<T> {
  rows: (T & { cursor: string })[];
  hasNextPage: boolean;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The cursor's key; BAD_USER_INPUT on `after` when it is not one this API gave out or belongs to another list. */
export function decodeCursor(cursor: string, scope?: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'number' || typeof parsed[2] !== 'number') {
    throw new InputError('invalid cursor', [{ index: -1, field: 'after', message: 'is not a cursor this API gave out' }]);
  }
  const key: CursorKey = [parsed[0], parsed[1], parsed[2]];
  if (scope !== undefined && key[0] !== scope) {
    throw new InputError('cursor belongs to another list or ordering', [{ index: -1, field: 'after', message: 'belongs to another list or ordering' }]);
  }
  return key;
}

/** Checks a page size (BAD_USER_INPUT on `first`). */
export function pageSize(first: number, max = MAX_PAGE_SIZE, min = 0): number {
  if (!Number.isInteger(first) || first < min || first > max) {
    throw new InputError(`first must be between ${min} and ${max}`, [{ index: -1, field: 'first', message: `must be between ${min} and ${max}` }]);
  }
  return first;
}

/** A page from `first + 1` fetched rows: the extra row only says that there is more. */
export function toPage<T>(fetched: readonly T[], first: number, cursorOf: (row: T) => CursorKey): Page<T> {
  return { rows: fetched.slice(0, first).map((row) => ({ ...row, cursor: encodeCursor(cursorOf(row)) })), hasNextPage: fetched.length > first };
}
