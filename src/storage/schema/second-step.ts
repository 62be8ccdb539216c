import type { ColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

/** Second-step methods: authenticator apps, passkeys, phones. */

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
