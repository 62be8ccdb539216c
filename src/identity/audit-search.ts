import type { Db } from '../storage/database.js';
import { decodeCursor, InvalidCursor, pageOf, type Page } from './cursor.js';

export interface AuditFilter {
  /** The account the event is about. */
  account?: string;
  /** `account:<id>`, `operator:<name>`, `client:<id>`, `anonymous`. */
  actor?: string;
  /** One action, or every action under a prefix written `operator.*`. */
  action?: string;
  since?: Date;
  until?: Date;
}

export interface AuditRecord {
  id: string;
  occurredAt: Date;
  action: string;
  actor: string;
  accountId: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

function filtered(db: Db, filter: AuditFilter) {
  let select = db.selectFrom('audit_events').selectAll();
  if (filter.account) select = select.where('account_id', '=', filter.account);
  if (filter.actor) select = select.where('actor', '=', filter.actor);
  if (filter.action?.endsWith('.*')) select = select.where('action', 'like', `${filter.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  else if (filter.action) select = select.where('action', '=', filter.action);
  if (filter.since) select = select.where('occurred_at', '>=', filter.since);
  if (filter.until) select = select.where('occurred_at', '<', filter.until);
  return select;
}

/** Newest first, by id (the insertion order), which is unique: a stable keyset. */
async function fetchAfter(db: Db, filter: AuditFilter, limit: number, afterId?: string) {
  let select = filtered(db, filter);
  if (afterId !== undefined) select = select.where('id', '<', afterId);
  return select.orderBy('id', 'desc').limit(limit).execute();
}

type Row = Awaited<ReturnType<typeof fetchAfter>>[number];

function record(row: Row): AuditRecord {
  const details = typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : (row.details as Record<string, unknown>);
  return {
    id: String(row.id),
    occurredAt: new Date(row.occurred_at),
    action: row.action,
    actor: row.actor,
    accountId: row.account_id,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details,
  };
}

/** One page of events, newest first. Throws InvalidCursor. */
export async function searchAudit(db: Db, filter: AuditFilter, limit: number, cursor?: string): Promise<Page<AuditRecord>> {
  const afterId = cursor === undefined ? undefined : decodeCursor(cursor, 1)[0]!;
  if (afterId !== undefined && !/^\d{1,19}$/.test(afterId)) throw new InvalidCursor();
  const rows = await fetchAfter(db, filter, limit + 1, afterId);
  return pageOf(rows, limit, (row) => [String(row.id)], record);
}

/** Every matching event, newest first, read a batch at a time so an export never holds them all. */
export async function* allAudit(db: Db, filter: AuditFilter, batch = 500): AsyncGenerator<AuditRecord> {
  let afterId: string | undefined;
  for (;;) {
    const rows = await fetchAfter(db, filter, batch, afterId);
    for (const row of rows) yield record(row);
    if (rows.length < batch) return;
    afterId = String(rows.at(-1)!.id);
  }
}
