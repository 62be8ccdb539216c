import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_mail_outbox.js';
import * as m0003 from './0003_registration.js';
import * as m0004 from './0004_second_step.js';
import * as m0005 from './0005_recovery.js';
import * as m0006 from './0006_legacy.js';
import * as m0007 from './0007_rate_limits.js';
import * as m0008 from './0008_recovery_decoy_resend.js';
import * as m0009 from './0009_account_change_notify.js';
import * as m0010 from './0010_lockout_in_flight.js';
import * as m0011 from './0011_code_failures.js';
import * as m0012 from './0012_pending_ids.js';
import * as m0015 from './0015_hash_model_ids.js';
import * as m0017 from './0017_account_locale.js';
import * as m0018 from './0018_flows.js';
import * as m0019 from './0019_recovery_flows.js';
import * as m0020 from './0020_verification_flows.js';
import * as m0022 from './0022_authenticator_apps.js';
import * as m0023 from './0023_code_lockout.js';
import * as m0024 from './0024_passkeys.js';
import * as m0025 from './0025_phone_numbers.js';
import * as m0026 from './0026_passkey_sign_in.js';
import * as m0027 from './0027_authenticator_app_replacement.js';
import * as m0028 from './0028_account_type_notify.js';
import * as m0029 from './0029_admin_idempotency.js';
import * as m0030 from './0030_staff_roles.js';
import * as m0031 from './0031_webhook_outbox.js';
import * as m0032 from './0032_model_accounts.js';
import * as m0034 from './0034_organizations.js';
import * as m0035 from './0035_organization_kind.js';
import * as m0036 from './0036_identity_checks.js';

/** Every migration, in order. Append new ones; never edit or remove one that has landed. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_mail_outbox': m0002,
  '0003_registration': m0003,
  '0004_second_step': m0004,
  '0005_recovery': m0005,
  '0006_legacy': m0006,
  '0007_rate_limits': m0007,
  '0008_recovery_decoy_resend': m0008,
  '0009_account_change_notify': m0009,
  '0010_lockout_in_flight': m0010,
  '0011_code_failures': m0011,
  '0012_pending_ids': m0012,
  '0015_hash_model_ids': m0015,
  '0017_account_locale': m0017,
  '0018_flows': m0018,
  '0019_recovery_flows': m0019,
  '0020_verification_flows': m0020,
  '0022_authenticator_apps': m0022,
  '0023_code_lockout': m0023,
  '0024_passkeys': m0024,
  '0025_phone_numbers': m0025,
  '0026_passkey_sign_in': m0026,
  '0027_authenticator_app_replacement': m0027,
  '0028_account_type_notify': m0028,
  '0029_admin_idempotency': m0029,
  '0030_staff_roles': m0030,
  '0031_webhook_outbox': m0031,
  '0032_model_accounts': m0032,
  '0034_organizations': m0034,
  '0035_organization_kind': m0035,
  '0036_identity_checks': m0036,
};
