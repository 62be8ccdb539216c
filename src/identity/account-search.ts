import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { decodeCursor, pageOf, type Page } from './cursor.js';

/** One account in a list: enough to pick it out, the rest is describeAccount's. */
export interface AccountSummary {
  id: string;
  username: string;
  email: string;
  name: string;
  accountType: string;
  status: 'active' | 'disabled';
  lockReason: string | null;
  lastSignInAt: Date | null;
}

export interface AccountQuery {
  /** Part of the username, email or name, any case. */
  q?: string;
  status?: 'active' | 'disabled';
  limit: number;
  cursor?: string;
}

/** `text` matched literally inside a LIKE pattern (PostgreSQL's default escape is backslash). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Accounts in username order (then id, should two ever compare equal), a page at a time: the
 * cursor is the last row's key, so a row inserted or removed between pages neither repeats
 * nor shifts the rest. Throws InvalidCursor.
 */
export async function searchAccounts(db: Db, query: AccountQuery): Promise<Page<AccountSummary>> {
  let select = db.selectFrom('accounts').selectAll();
  if (query.q) {
    const pattern = `%${likeLiteral(query.q.trim())}%`;
    select = select.where((eb) =>
      eb.or([eb('username', 'ilike', pattern), eb('email', 'ilike', pattern), eb(sql<string>`given_name || ' ' || family_name`, 'ilike', pattern)]),
    );
  }
  if (query.status) select = select.where('status', '=', query.status);
  if (query.cursor) {
    const [username, id] = decodeCursor(query.cursor, 2) as [string, string];
    select = select.where((eb) => eb(eb.refTuple('username', 'id'), '>', eb.tuple(username, id)));
  }
  const rows = await select.orderBy('username').orderBy('id').limit(query.limit + 1).execute();
  return pageOf(rows, query.limit, (row) => [row.username, row.id], summarise);
}

function summarise(account: Account): AccountSummary {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    name: `${account.given_name} ${account.family_name}`.trim(),
    accountType: account.account_type,
    status: account.status,
    lockReason: account.lock_reason,
    lastSignInAt: account.last_sign_in_at,
  };
}
