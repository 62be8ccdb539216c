import type { Account } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { confirmAuthenticatorApp, enrolmentSecret, hasAuthenticatorApp, recoveryCodesLeft, removeAuthenticatorApp } from '../second-step/authenticator-app.js';
import type { IdentityEnv } from './env.js';

/** The account page's side of the authenticator app: set it up, see it, remove it. */
export function authenticatorAppService({ db }: IdentityEnv) {
  return {
    has: (accountId: string) => hasAuthenticatorApp(db, accountId),
    recoveryCodesLeft: (accountId: string) => recoveryCodesLeft(db, accountId),
    /** The key being set up (made on first ask), or undefined once the app is confirmed. */
    enrolmentSecret: (accountId: string) => enrolmentSecret(db, accountId),
    confirm: (account: Account, typed: string, origin: AuditOrigin) => confirmAuthenticatorApp(db, account, typed, origin),
    remove: (account: Account, origin: AuditOrigin) => removeAuthenticatorApp(db, account, origin),
  };
}
