import type { Insertable, Selectable, Updateable } from 'kysely';
import type { AccountsTable, AuditEventsTable, OneTimeCodesTable, SecurityAnswersTable, TrustedDevicesTable, FlowsTable, CodeFailuresTable, DecoyCodesTable, SignInDecoysTable, RateLimitsTable, StaffRolesTable, AdminIdempotencyKeysTable, IdentityCheckSubjectsTable } from './schema/accounts.js';
import type { LegacyAccountsTable, AccountLinksTable, LegacyLinkAttemptsTable, LegacyGuessLimitsTable } from './schema/legacy.js';
import type { AuthenticatorAppsTable, AuthenticatorRecoveryCodesTable, PasskeysTable, WebauthnChallengesTable, PhoneNumbersTable, PhonePendingTable } from './schema/second-step.js';
import type { SigningKeysTable, OidcModelsTable, InstanceSettingsTable, MailOutboxTable, WebhookOutboxTable, PhoneOutboxTable } from './schema/protocol.js';
import type { OrganizationsTable, MembershipsTable, OrganizationRequestsTable, OrgInvitationsTable } from './schema/organizations.js';

/*
 * Every table as Kysely sees it. The table types live by area in schema/; this file puts them
 * together and re-exports them, so code imports one module whatever the table.
 */
export type * from './schema/accounts.js';
export type * from './schema/legacy.js';
export type * from './schema/second-step.js';
export type * from './schema/protocol.js';
export type * from './schema/organizations.js';

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
