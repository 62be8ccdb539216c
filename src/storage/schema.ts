import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

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

/** migrations/0036: the subject id an identity check answered when the ID was made. */
export interface IdentityCheckSubjectsTable {
  account_id: string;
  account_type: string;
  subject: string;
  checked_at: Generated<Timestamp>;
}

export interface LegacyLinkAttemptsTable {
  account_id: string;
  system: string;
  failures: number;
  window_started_at: Timestamp;
  paused_until: NullableTimestamp;
}

/** Lockout counters of usernames with no ID (migration 0010). */
export interface SignInDecoysTable {
  key_hash: string;
  failures: ColumnType<number, number | undefined, number>;
  in_flight: ColumnType<number, number | undefined, number>;
  in_flight_until: NullableTimestamp;
  expires_at: Timestamp;
}

/** Legacy-password failures by legacy username and by address (migration 0010). */
export interface LegacyGuessLimitsTable {
  key_hash: string;
  failures: ColumnType<number, number | undefined, number>;
  window_started_at: Timestamp;
  paused_until: NullableTimestamp;
}

/** rate-limiter-flexible's counters when there is no Redis (migration 0007). */
export interface RateLimitsTable {
  key: string;
  points: number;
  /** Epoch milliseconds; bigint comes back from pg as a string. */
  expire: string | number | null;
}

/** An account's authenticator app (migration 0022): the TOTP secret sealed, never in clear. */
export interface AuthenticatorAppsTable {
  account_id: string;
  secret_sealed: string;
  confirmed_at: NullableTimestamp;
  /** The newest RFC 6238 time step a code was accepted for: codes of that step or older are refused. */
  last_used_step: number | null;
  /** A new secret being set up to replace a confirmed one (migration 0027), sealed like it; null when none. */
  pending_secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

/** The app's single-use recovery codes, as keyed hashes (identity/keyed-hash.ts). */
export interface AuthenticatorRecoveryCodesTable {
  account_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A WebAuthn credential (a passkey) of an account, usable as a second step. */
export interface PasskeysTable {
  /** base64url, as WebAuthn's JSON carries it. */
  credential_id: string;
  account_id: string;
  /** The COSE public key. */
  public_key: Buffer;
  /** The signature counter last seen; bigint columns come back as strings. */
  sign_count: ColumnType<string, number | string | undefined, number | string>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  name: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

/** A WebAuthn challenge handed out and not yet answered, as a SHA-256 hash, until it expires. */
export interface WebauthnChallengesTable {
  challenge_hash: string;
  /** Null for a passkey sign-in's challenge: no account is known until the answer names its passkey. */
  account_id: string | null;
  purpose: 'register' | 'authenticate' | 'sign_in';
  /** The sign-in (interaction) it belongs to, or 'account' for the account page. */
  binding: string;
  expires_at: Date;
  created_at: Timestamp;
}

/** An account's confirmed phone number (E.164), for the phone second step. */
export interface PhoneNumbersTable {
  account_id: string;
  e164: string;
  confirmed_at: Timestamp;
}

/** A number being set up or changed on the account page, until its code is confirmed. */
export interface PhonePendingTable {
  account_id: string;
  new_e164: string | null;
  /** When a code sent to the account's current number was confirmed (a change needs it). */
  current_proved_at: NullableTimestamp;
  created_at: Timestamp;
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

/** A staff role of an ID: who may use the help-desk console, and as what (migration 0030). */
export interface StaffRolesTable {
  account_id: string;
  role: 'helpdesk' | 'operator';
  granted_at: ColumnType<Date, Date | undefined, never>;
  granted_by: string;
}

/** An organisation registered by Tax ID (migration 0034); the Tax ID only hashed, sealed and as its last 4 digits. */
export interface OrganizationsTable {
  id: string;
  legal_name: string;
  address: string;
  phone: string;
  tax_id_hash: string;
  tax_id_sealed: string;
  tax_id_last4: string;
  /** The requester's account type when they asked (migration 0035): what organization_types in the clients file filters on. */
  kind: string;
  status: ColumnType<OrganizationStatus, OrganizationStatus | undefined, OrganizationStatus>;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  reason: string | null;
}

export type OrganizationStatus = 'pending' | 'approved' | 'rejected' | 'suspended';

/** Who belongs to which organisation, in which roles (space-separated). */
export interface MembershipsTable {
  account_id: string;
  organization_id: string;
  roles: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  added_by: string;
}

export interface OrganizationRequestsTable {
  id: string;
  kind: 'register' | 'join';
  account_id: string;
  organization_id: string;
  status: ColumnType<'pending' | 'approved' | 'declined', 'pending' | 'approved' | 'declined' | undefined, 'pending' | 'approved' | 'declined'>;
  reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
}

export type OrgInvitationStatus = 'pending' | 'accepted' | 'expired' | 'cancelled';

/** An invitation to join an organisation; the link's token only as its keyed hash. */
export interface OrgInvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  role: string;
  inviter_account_id: string | null;
  token_hash: string;
  status: ColumnType<OrgInvitationStatus, OrgInvitationStatus | undefined, OrgInvitationStatus>;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Timestamp;
  expires_at: Timestamp;
  accepted_by: string | null;
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

export interface Database {
  accounts: AccountsTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
  oidc_models: OidcModelsTable;
  instance_settings: InstanceSettingsTable;
  mail_outbox: MailOutboxTable;
  one_time_codes: OneTimeCodesTable;
  security_answers: SecurityAnswersTable;
  trusted_devices: TrustedDevicesTable;
  flows: FlowsTable;
  legacy_accounts: LegacyAccountsTable;
  account_links: AccountLinksTable;
  identity_check_subjects: IdentityCheckSubjectsTable;
  legacy_link_attempts: LegacyLinkAttemptsTable;
  rate_limits: RateLimitsTable;
  sign_in_decoys: SignInDecoysTable;
  legacy_guess_limits: LegacyGuessLimitsTable;
  code_failures: CodeFailuresTable;
  decoy_codes: DecoyCodesTable;
  authenticator_apps: AuthenticatorAppsTable;
  authenticator_recovery_codes: AuthenticatorRecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  phone_numbers: PhoneNumbersTable;
  phone_pending: PhonePendingTable;
  phone_outbox: PhoneOutboxTable;
  admin_idempotency_keys: AdminIdempotencyKeysTable;
  staff_roles: StaffRolesTable;
  webhook_outbox: WebhookOutboxTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  organization_requests: OrganizationRequestsTable;
  org_invitations: OrgInvitationsTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type OutboxMail = Selectable<MailOutboxTable>;
export type OutboxEvent = Selectable<WebhookOutboxTable>;
export type OneTimeCode = Selectable<OneTimeCodesTable>;
export type TrustedDevice = Selectable<TrustedDevicesTable>;
export type FlowRow = Selectable<FlowsTable>;
export type LegacyAccount = Selectable<LegacyAccountsTable>;
export type AccountLink = Selectable<AccountLinksTable>;
