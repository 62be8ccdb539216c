import { sql, type RawBuilder } from 'kysely';
import { decodeCursor, InvalidCursor } from './cursor.js';

/*
 * Keyset pages of a table in (created_at, id) order, for lists that show the oldest or newest
 * first (organisation requests, webhook events). The key is created_at in microseconds, as
 * text: a JavaScript Date keeps only milliseconds, and a key cut to them would skip or repeat
 * rows created within the same millisecond.
 */

const MICROS = sql<string>`(extract(epoch from created_at) * 1000000)::bigint`;

/** Select it beside the row, so the page's last row names the next cursor. */
export const createdMicros = sql<string>`${MICROS}::text`.as('created_micros');

/** The cursor's key of a row read with createdMicros. */
export const createdKey = (row: { created_micros: string; id: string }) => [row.created_micros, row.id] as const;

/** The rows after the cursor's, in the list's order (asc: oldest first). Throws InvalidCursor. */
export function afterCreated(cursor: string, order: 'asc' | 'desc'): RawBuilder<boolean> {
  const [micros, id] = decodeCursor(cursor, 2) as [string, string];
  if (!/^\d{1,18}$/.test(micros)) throw new InvalidCursor();
  return sql<boolean>`(${MICROS}, id) ${sql.raw(order === 'asc' ? '>' : '<')} (${micros}::bigint, ${id})`;
}
