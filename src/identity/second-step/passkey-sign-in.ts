import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { methodIdsFor, type SecondStepPolicy } from '../../config/policy-sign-in.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { findAccountById } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { signInChallenge } from './passkey-challenges.js';
import { PASSKEY_METHOD, timeout, verifyAssertion, type Attachment, type PasskeyRefusal, type RelyingParty } from './passkeys.js';

/*
 * A passkey as the whole sign-in, with no username and no password: the browser is asked for
 * any passkey of this site (empty allowCredentials, so it lists the discoverable ones it holds,
 * or offers them in the username field's autofill), and the answer names its credential, hence
 * its account. User verification is required: the authenticator checked a PIN or a biometric,
 * so the one gesture proves possession and the person, both factors. The challenge belongs to
 * the interaction, is answered once, and expires, as the second step's do, but is not stored
 * until it is answered (passkey-challenges.ts).
 */

/** The options of navigator.credentials.get for any passkey of this site, bound to this sign-in. */
export async function signInOptions(db: Db, rp: RelyingParty, binding: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  // The library sends a string challenge as its UTF-8 bytes, base64url-encoded: the answer's clientData carries that back.
  const challenge = await signInChallenge(db, binding);
  return generateAuthenticationOptions({ rpID: rp.rpID, allowCredentials: [], userVerification: 'required', timeout, challenge });
}

/**
 * account: the passkey held, but its ID may not sign in (locked, disabled, address not yet
 * verified); the page says no more than it does to a wrong password.
 */
export type PasskeySignIn = { ok: true; account: Account; attachment: Attachment } | { ok: false; reason: PasskeyRefusal | 'account'; accountId?: string };

/** Why this account may not sign in now, or undefined when it may. */
const accountProblem = (account: Account | undefined) =>
  !account ? 'unknown_account' : account.status !== 'active' ? 'disabled' : account.email_verified_at === null ? 'email_unverified' : undefined;

/** Whether the account's type may use passkeys (second_step.account_types.<type>.methods). */
const mayUsePasskeys = (secondStep: SecondStepPolicy) => async (trx: Db, accountId: string) => {
  const account = await findAccountById(trx, accountId);
  return account !== undefined && methodIdsFor(secondStep, account).includes(PASSKEY_METHOD);
};

/**
 * Verifies the answer to `signInOptions` of this sign-in; refusals are audited against the
 * account the passkey named. A passkey of an account whose type may not use passkeys gets
 * the answer a passkey of no account gets (nothing tells its holder why): only the audit says.
 */
export async function signInWithPasskey(db: Db, rp: RelyingParty, secondStep: SecondStepPolicy, binding: string, json: string, origin: AuditOrigin = {}, now = new Date()): Promise<PasskeySignIn> {
  const check = await verifyAssertion(db, rp, { accountId: null, purpose: 'sign_in', binding, userVerification: true, allowed: mayUsePasskeys(secondStep) }, json, now);
  const { accountId } = check;
  const fail = async (reason: PasskeyRefusal | 'account', detail: string): Promise<PasskeySignIn> => {
    const action = reason === 'counter' ? 'passkey.counter_regressed' : 'sign_in.failed';
    await recordAudit(db, { action, actor: 'anonymous', accountId, details: { reason: detail, method: 'passkey' }, ...origin });
    // Hidden: answered as a passkey of no account is, which names none (so none is counted against).
    return { ok: false, reason, ...(check.ok || !check.hidden ? { accountId } : {}) };
  };
  if (!check.ok) return fail(check.reason, check.hidden ? `passkey_${check.hidden}` : `passkey_${check.reason}`);
  const account = await findAccountById(db, check.accountId);
  const problem = accountProblem(account);
  if (problem) return fail('account', problem);
  return { ok: true, account: account!, attachment: check.attachment };
}
