import type { ColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp, Json } from './columns.js';

/** The provider's own state and the outboxes: keys, protocol rows, settings, mail, webhooks, texts. */

export interface SigningKeysTable {
  kid: string;
  alg: string;
  status: 'next' | 'current' | 'retired';
  private_jwk: Json<Record<string, unknown>>;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
  expires_at: NullableTimestamp;
}

export interface OidcModelsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  /** storage/model-keys.ts accountModelKey of the payload's accountId (migration 0032). */
  account_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  created_at: Timestamp;
}

export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: string;
  created_at: Timestamp;
  to_address: string;
  template: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  last_error: string | null;
  sent_at: NullableTimestamp;
  account_id: string | null;
  /** Left-hand side of the SMTP Message-ID; the transport adds the sender's domain. */
  message_id: string;
}

export type WebhookStatus = 'pending' | 'sending' | 'delivered' | 'dead';

export interface WebhookOutboxTable {
  /** The event id receivers drop duplicates by (Portico-Event-Id). */
  id: string;
  created_at: Timestamp;
  event_type: string;
  /** The ID's `sub`. */
  subject: string;
  status: ColumnType<WebhookStatus, WebhookStatus | undefined, WebhookStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  last_error: string | null;
  /** JSON array of the endpoints (`<client_id> <url>`) that acknowledged it. */
  delivered_to: ColumnType<string, string | undefined, string>;
  finished_at: NullableTimestamp;
}

/** A text or call, sent or being sent: counted by the toll-fraud limits, shown on /dev/outbox. */
export interface PhoneOutboxTable {
  id: string;
  account_id: string | null;
  to_number: string;
  channel: 'text' | 'call';
  purpose: 'code' | 'notice';
  /** The text, or the call's TwiML; blanked once sent unless the gateway keeps bodies. */
  body: string;
  ip: string | null;
  status: ColumnType<'sending' | 'sent', 'sending' | 'sent' | undefined, 'sending' | 'sent'>;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}
