import { checkAuthenticatorCode, confirmAuthenticatorApp, enrolmentSecret, hasAuthenticatorApp, replacementSecret } from '../identity/second-step/authenticator-app.js';
import { ACR, RECOVERY_CODE_AMR } from '../identity/second-step/assurance.js';
import { liftAnswersBar } from '../identity/second-step/security-questions.js';
import { appCodeProblem, confirmProblem, offerApp } from './authenticator-app-messages.js';
import { enrolmentPage, recoveryCodesPage } from './authenticator-app-page.js';
import type { Account } from '../storage/schema.js';
import { listedFor } from './listed.js';
import type { Enrolled, MethodEnv, MethodStep, SecondStepMethod } from './types.js';

const typedCode = (form: Record<string, unknown>): string => (typeof form.code === 'string' ? form.code : '');

const ID = 'authenticator_app';

/** The first code of the app being set up (a first one, or one replacing it): the recovery codes once, else the page again. */
async function confirmed(env: MethodEnv, step: MethodStep, form: Record<string, unknown>): Promise<Enrolled> {
  const confirmation = await confirmAuthenticatorApp(env.db, step.account, typedCode(form), step.origin);
  if (confirmation.ok) return { ok: true, show: recoveryCodesPage(confirmation.recoveryCodes) };
  return { ok: false, values: {}, errors: { code: confirmProblem(confirmation) }, status: 400 };
}

/** Whether the policy lists the app (for the account's type, when known): only then is it offered, set up, or shown on the account page. */
export const appListed = (env: Pick<MethodEnv, 'config'>, account?: Pick<Account, 'account_type'>): boolean => listedFor(env, ID, account);

/**
 * An authenticator app (TOTP, RFC 6238), RFC 8176 §2 `otp`; a recovery code stands in for it
 * once each, and says so in amr. Offered first to an account that set one up: it proves a
 * device the account holds, where an emailed code proves a mailbox and answers only knowledge.
 */
export const authenticatorApp: SecondStepMethod = {
  id: ID,
  path: 'authenticator-app',
  amr: 'otp',
  acr: ACR.otp,
  strength: 1,
  offerLabel: offerApp,
  isAvailable: (env, account) => hasAuthenticatorApp(env.db, account.id),
  async render() {
    return { view: 'second-step', data: { mode: 'app' } };
  },
  async verify(env, step, form) {
    const check = await checkAuthenticatorCode(env.db, step.account.id, typedCode(form), env.config.policy, step.origin);
    // Someone typing a recovery code has usually lost the phone: the sign-in offers setting the app up again.
    if (check.ok) return check.recoveryCode ? { ok: true, amr: RECOVERY_CODE_AMR, setUpAgain: true } : { ok: true };
    if (check.reason === 'id_locked') return { ok: false, locked: true };
    return { ok: false, messages: { fieldError: appCodeProblem(check) }, status: 400 };
  },
  async succeeded(env, step) {
    if (step.account.answers_barred_at) await liftAnswersBar(env.db, step.account.id);
  },
  /** When the policy requires it: the QR code and key, one code to confirm, then the recovery codes once. */
  enrol: {
    path: 'enrol-authenticator-app',
    required: (env) => env.config.policy.second_step.require_authenticator_app && appListed(env),
    isEnrolled: (env, account) => hasAuthenticatorApp(env.db, account.id),
    async render(env, step) {
      // Confirmed already (the recovery codes were shown): only the way on is left.
      return (await enrolmentPage(env, step.account, await enrolmentSecret(env.db, step.account.id))) ?? recoveryCodesPage([]);
    },
    async submit(env, step, form) {
      if (await hasAuthenticatorApp(env.db, step.account.id)) return { ok: true };
      return confirmed(env, step, form);
    },
  },
  /** After a recovery code: a new key beside the old, which works until a code from the new app confirms it. */
  again: {
    path: 'set-up-authenticator-app-again',
    async render(env, step) {
      const page = await enrolmentPage(env, step.account, await replacementSecret(env.db, step.account.id));
      // No confirmed app to replace any more (removed meanwhile): only the way on is left.
      return page ? { view: page.view, data: { ...page.data, again: true } } : recoveryCodesPage([]);
    },
    submit: confirmed,
  },
};
