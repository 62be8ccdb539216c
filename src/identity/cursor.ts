/*
 * Opaque page cursors for keyset pagination: the sort key of the last row handed out,
 * base64url JSON. Opaque so callers cannot build one and the key can change; a cursor that
 * does not decode to the expected shape is the caller's mistake (InvalidCursor), not a 500.
 */

export class InvalidCursor extends Error {
  override name = 'InvalidCursor';
  constructor() {
    super('cursor: not a cursor this list handed out');
  }
}

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key of a cursor with `length` parts, all strings; throws InvalidCursor. */
export function decodeCursor(cursor: string, length: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor();
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((part) => typeof part === 'string' && part.length <= 400)) throw new InvalidCursor();
  return key as string[];
}

/** One page: its items and, when more follow, the cursor of the next. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Cuts the one extra row a query fetched (limit + 1) into a page and its next cursor. */
export function pageOf<Row, T>(rows: Row[], limit: number, keyOf: (row: Row) => readonly string[], map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), ...(rows.length > limit && last ? { nextCursor: encodeCursor(keyOf(last)) } : {}) };
}
