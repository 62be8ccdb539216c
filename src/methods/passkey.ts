import { ACR } from '../identity/second-step/assurance.js';
import { authenticationOptions, checkPasskey, hasPasskey, PASSKEY_METHOD, relyingPartyOf, type Attachment } from '../identity/second-step/passkeys.js';
import { offerPasskey, passkeyProblem } from './passkey-messages.js';
import type { Account } from '../storage/schema.js';
import { listedFor } from './listed.js';
import type { MethodEnv, SecondStepMethod } from './types.js';

const ID = PASSKEY_METHOD;

/** Whether the policy lists passkeys (for the account's type, when known): only then are they offered, or shown on the account page. */
export const passkeysListed = (env: Pick<MethodEnv, 'config'>, account?: Pick<Account, 'account_type'>): boolean => listedFor(env, ID, account);

/**
 * RFC 8176 §2: `hwk` for a key apart from the device (a security key or a phone, which the
 * browser reports as a cross-platform attachment), `swk` for one the device itself holds
 * (platform), and `swk` when the browser does not say: the claim that proves less.
 */
export const passkeyAmr = (attachment: Attachment): 'hwk' | 'swk' => (attachment === 'cross-platform' ? 'hwk' : 'swk');

/**
 * The amr of a passkey that was the whole sign-in, with user verification. RFC 8176 §2: the
 * key's own value (hwk or swk) for possession, `user` because the authenticator tested that the
 * person was there and verified them (the UV flag; whether by PIN or biometric it does not say,
 * so neither `pin` nor `fpt` can be claimed), and `mfa` because the two together are more than
 * one factor, which a portal otherwise reads off `pwd` plus a second method.
 */
export const passkeySignInAmr = (attachment: Attachment): string[] => [passkeyAmr(attachment), 'user', 'mfa'];

/**
 * A passkey (WebAuthn). The strongest second step: its answer is bound to this site's origin,
 * so a look-alike site cannot relay it (phishing-resistant), where a code can be typed into one.
 * Offered first to an account that added one. Its page needs JavaScript (public/passkey.js):
 * without it the form posts no answer and the page says so, and the other methods stay offered.
 */
export const passkey: SecondStepMethod = {
  id: ID,
  path: 'passkey',
  amr: 'swk',
  acr: ACR.phishingResistant,
  strength: 2,
  offerLabel: offerPasskey,
  isAvailable: (env, account) => hasPasskey(env.db, account.id),
  async render(env, step) {
    const options = await authenticationOptions(env.db, relyingPartyOf(env.config.issuer), step.account.id, step.uid);
    return { view: 'second-step', data: { mode: 'passkey', passkeyOptions: JSON.stringify(options) } };
  },
  async verify(env, step, form) {
    const answer = typeof form.response === 'string' ? form.response : '';
    const check = await checkPasskey(env.db, relyingPartyOf(env.config.issuer), step.account.id, step.uid, answer, step.origin);
    if (check.ok) return { ok: true, amr: passkeyAmr(check.attachment) };
    return { ok: false, messages: { fieldError: passkeyProblem(check.reason) }, status: 400 };
  },
};
