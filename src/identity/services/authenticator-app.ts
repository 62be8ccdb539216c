import type { Account } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { confirmAuthenticatorApp, enrolmentSecret, hasAuthenticatorApp, recoveryCodesLeft, removeAuthenticatorApp, replacementSecret } from '../second-step/authenticator-app.js';
import type { IdentityEnv } from './env.js';

/** The account page's side of the authenticator app: set it up, see it, set it up again, remove it. */
export function authenticatorAppService({ db }: IdentityEnv) {
  return {
    has: (accountId: string) => hasAuthenticatorApp(db, accountId),
    recoveryCodesLeft: (accountId: string) => recoveryCodesLeft(db, accountId),
    /** The key being set up (made on first ask), or undefined once the app is confirmed. */
    enrolmentSecret: (accountId: string) => enrolmentSecret(db, accountId),
    /** The key replacing a confirmed app's (made on first ask), or undefined when there is no confirmed app. */
    replacementSecret: (accountId: string) => replacementSecret(db, accountId),
    /** Confirms what is being set up: a first app, or a replacement. */
    confirm: (account: Account, typed: string, origin: AuditOrigin) => confirmAuthenticatorApp(db, account, typed, origin),
    remove: (account: Account, origin: AuditOrigin) => removeAuthenticatorApp(db, account, origin),
  };
}
