import type { ColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

/** The portals' old logins and the links people make to them. */

export interface LegacyAccountsTable {
  system: string;
  subject: string;
  username: string;
  password_hash: string;
  email: string | null;
  name: string | null;
  imported_at: Timestamp;
}

export interface AccountLinksTable {
  account_id: string;
  system: string;
  subject: string;
  linked_at: Timestamp;
}

export interface LegacyLinkAttemptsTable {
  account_id: string;
  system: string;
  failures: number;
  window_started_at: Timestamp;
  paused_until: NullableTimestamp;
}

/** Legacy-password failures by legacy username and by address (migration 0010). */
export interface LegacyGuessLimitsTable {
  key_hash: string;
  failures: ColumnType<number, number | undefined, number>;
  window_started_at: Timestamp;
  paused_until: NullableTimestamp;
}
