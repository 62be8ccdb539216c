import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, NullableTimestamp, Json } from './columns.js';

/** IDs and what guards them: sign-in counters, codes, devices, flows, audit, staff roles. */

export interface AccountsTable {
  id: string;
  username: string;
  email: string;
  email_verified_at: NullableTimestamp;
  given_name: string;
  family_name: string;
  birth_year: number | null;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  lock_reason: string | null;
  password_hash: string;
  password_changed_at: Timestamp;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  terms_version: string | null;
  last_sign_in_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  terms_accepted_at: NullableTimestamp;
  failed_password_count: ColumnType<number, number | undefined, number>;
  failed_answer_count: ColumnType<number, number | undefined, number>;
  password_in_flight: ColumnType<number, number | undefined, number>;
  password_in_flight_until: NullableTimestamp;
  answer_in_flight: ColumnType<number, number | undefined, number>;
  answer_in_flight_until: NullableTimestamp;
  /** Wrong authenticator-app and recovery codes in a row (identity/lockout.ts, counter 'code'). */
  failed_code_count: ColumnType<number, number | undefined, number>;
  code_in_flight: ColumnType<number, number | undefined, number>;
  code_in_flight_until: NullableTimestamp;
  locked_at: NullableTimestamp;
  account_type: ColumnType<string, string | undefined, string>;
  sessions_valid_after: NullableTimestamp;
  terms_signature: string | null;
  answers_barred_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Language of the mails to this account (src/i18n); null until a page caused one. */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditEventsTable {
  id: Generated<string>;
  occurred_at: Timestamp;
  action: string;
  actor: string;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Json<Record<string, unknown>>;
}

export interface OneTimeCodesTable {
  id: Generated<string>;
  account_id: string;
  purpose: string;
  code_hash: string;
  link_token_hash: string | null;
  destination: string;
  expires_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
  /** The sign-in (interaction uid) a sign-in access code belongs to. */
  bound_to: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SecurityAnswersTable {
  account_id: string;
  question_id: string;
  answer_hash: string;
  created_at: Timestamp;
}

export interface TrustedDevicesTable {
  id: Generated<string>;
  account_id: string;
  token_hash: string;
  label: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

/** Every flow kind's record (migration 0018, identity/flows/flow-record.ts). */
export interface FlowsTable {
  id_hash: string;
  kind: string;
  state: string;
  account_id: string | null;
  /** JSON: what the next step needs, per kind. */
  data: string;
  decoy_failures: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp;
}

export interface CodeFailuresTable {
  subject: string;
  door: 'recovery' | 'password';
  failures: ColumnType<number, number | undefined, number>;
  blocked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface DecoyCodesTable {
  subject: string;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Lockout counters of usernames with no ID (migration 0010). */
export interface SignInDecoysTable {
  key_hash: string;
  failures: ColumnType<number, number | undefined, number>;
  in_flight: ColumnType<number, number | undefined, number>;
  in_flight_until: NullableTimestamp;
  expires_at: Timestamp;
}

/** rate-limiter-flexible's counters when there is no Redis (migration 0007). */
export interface RateLimitsTable {
  key: string;
  points: number;
  /** Epoch milliseconds; bigint comes back from pg as a string. */
  expire: string | number | null;
}

/** A staff role of an ID: who may use the help-desk console, and as what (migration 0030). */
export interface StaffRolesTable {
  account_id: string;
  role: 'helpdesk' | 'operator';
  granted_at: ColumnType<Date, Date | undefined, never>;
  granted_by: string;
}

/** An Idempotency-Key of the admin API and the answer it got (migration 0029). */
export interface AdminIdempotencyKeysTable {
  client_id: string;
  key: string;
  fingerprint: string;
  /** Null while the first request runs. */
  status: number | null;
  response: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** migrations/0036: the subject id an identity check answered when the ID was made. */
export interface IdentityCheckSubjectsTable {
  account_id: string;
  account_type: string;
  subject: string;
  checked_at: Generated<Timestamp>;
}
