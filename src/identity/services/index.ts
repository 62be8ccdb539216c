import type { IdentityEnv } from './env.js';
import { signInService } from './sign-in.js';
import { accountService } from './account.js';
import { termsService } from './terms.js';
import { passwordUpgradeService } from './password-upgrade.js';
import { legacyLinkService } from './legacy-link.js';
import { recoveryService } from './recovery.js';
import { registrationService } from './registration.js';
import { authenticatorAppService } from './authenticator-app.js';
import { passkeysService } from './passkeys.js';
import { phoneService } from './phone.js';
import { adminService } from './admin.js';
import { invitationService } from './invitation.js';
import { organizationsService } from './organizations.js';
import { webhooksService } from './webhooks.js';

export type { IdentityEnv } from './env.js';

/**
 * Portico's domain as services built once at start-up over the stores and the policy, the way
 * Logto builds its queries per tenant: pages call these and never hold a database handle.
 * One line per area.
 */
export function createIdentity(env: IdentityEnv) {
  return {
    signIn: signInService(env),
    account: accountService(env),
    terms: termsService(env),
    passwordUpgrade: passwordUpgradeService(env),
    legacyLink: legacyLinkService(env),
    recovery: recoveryService(env),
    registration: registrationService(env),
    authenticatorApp: authenticatorAppService(env),
    passkeys: passkeysService(env),
    phone: phoneService(env),
    admin: adminService(env),
    invitation: invitationService(env),
    organizations: organizationsService(env),
    webhooks: webhooksService(env),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
