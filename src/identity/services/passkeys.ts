import type { Account } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { hasPasskey, listPasskeys, registerPasskey, registrationOptions, relyingPartyOf, removePasskey } from '../second-step/passkeys.js';
import { signInOptions, signInWithPasskey } from '../second-step/passkey-sign-in.js';
import type { IdentityEnv } from './env.js';

/**
 * The account page's side of passkeys (add one, list them, remove one) and the passkey as the
 * whole sign-in. The issuer is the relying party.
 */
export function passkeysService({ db, issuer, policy }: IdentityEnv) {
  const rp = relyingPartyOf(issuer);
  return {
    has: (accountId: string) => hasPasskey(db, accountId),
    list: (accountId: string) => listPasskeys(db, accountId),
    /** The options of navigator.credentials.create, their challenge kept for the answer. */
    registrationOptions: (account: Account) => registrationOptions(db, rp, account),
    register: (account: Account, name: string, answer: string, origin: AuditOrigin) => registerPasskey(db, rp, account, name, answer, origin),
    remove: (account: Account, credentialId: string, origin: AuditOrigin) => removePasskey(db, account, credentialId, origin),
    /** The options of navigator.credentials.get for any passkey of this site, bound to the interaction `uid`. */
    signInOptions: (uid: string) => signInOptions(db, rp, uid),
    signIn: (uid: string, answer: string, origin: AuditOrigin) => signInWithPasskey(db, rp, policy.second_step, uid, answer, origin),
  };
}
