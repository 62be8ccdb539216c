import { ACR } from '../identity/second-step/assurance.js';
import { numberEnding } from '../identity/second-step/phone-number.js';
import type { PhoneChannel, PhoneEnv } from '../identity/second-step/phone-send.js';
import { checkSignInCode, phoneCodeSentFor, phoneOf, readPhoneCode, sendSignInCode } from '../identity/second-step/phone.js';
import { liftAnswersBar } from '../identity/second-step/security-questions.js';
import { codeProblem, codeSentTo, offerPhone, sendProblem, sendStatus, typedCodeProblem } from './phone-messages.js';
import type { Account } from '../storage/schema.js';
import { listedFor } from './listed.js';
import type { MethodAction, MethodEnv, SecondStepMethod } from './types.js';

const ID = 'phone';

/** Whether the policy lists the phone (for the account's type, when known): only then is it offered, or shown on the account page. */
export const phoneListed = (env: Pick<MethodEnv, 'config'>, account?: Pick<Account, 'account_type'>): boolean => listedFor(env, ID, account);

const phoneEnv = (env: MethodEnv): PhoneEnv => ({ db: env.db, gateway: env.phone, policy: env.config.policy.second_step.phone, issuer: env.config.issuer });

/** "Text me" or "Call me": the page says where the code went, or why it did not (and offers the other ways). */
const send =
  (channel: PhoneChannel): MethodAction =>
  async (env, step) => {
    const sent = await sendSignInCode(phoneEnv(env), step.account, channel, step.uid, step.origin);
    if (sent.ok) return { messages: { notice: codeSentTo(channel, numberEnding((await phoneOf(env.db, step.account.id)) ?? '')) }, status: 200 };
    return { messages: { alert: sendProblem(sent), tryAnotherWay: sent.reason === 'unreachable' }, status: sendStatus(sent) };
  };

/**
 * A code by text message (RFC 8176 §2 `sms`) or voice call (`tel`), the person choosing which
 * each time. Its level is that of an emailed code, not the authenticator app's: NIST SP 800-63B
 * §5.1.3.3 calls the phone network a RESTRICTED authenticator, because a number can be moved to
 * another SIM (SIM swap, porting) and texts and calls can be redirected or read on the way. It
 * proves a number the account holds, not a device: offered before the emailed code (a mailbox
 * is more often shared or taken over), after the app and passkeys.
 */
export const phone: SecondStepMethod = {
  id: ID,
  path: 'phone',
  amr: 'sms',
  acr: ACR.secondStep,
  strength: 0.5,
  offerLabel: offerPhone,
  isAvailable: async (env, account) => (await phoneOf(env.db, account.id)) !== undefined,
  /** The two buttons until this sign-in was sent a code; then the code form, and the buttons to send another. */
  async render(env, step) {
    const sent = await phoneCodeSentFor(env.db, step.account.id, step.uid);
    const e164 = await phoneOf(env.db, step.account.id);
    return { view: 'phone-step', data: { mode: sent ? 'code' : 'choose', ending: e164 ? numberEnding(e164) : '', validMinutes: env.config.policy.second_step.phone.code_ttl_minutes } };
  },
  async verify(env, step, form) {
    const typed = readPhoneCode(typeof form.code === 'string' ? form.code.slice(0, 100) : '');
    if (!typed.ok) return { ok: false, messages: { fieldError: typedCodeProblem(typed.problem) }, status: 400 };
    const { check, channel } = await checkSignInCode(env.db, step.account.id, typed.code, step.uid, env.config.policy, step.origin);
    if (check.ok) return { ok: true, amr: channel === 'call' ? 'tel' : 'sms' };
    if (check.reason === 'id_locked') return { ok: false, locked: true };
    return { ok: false, messages: { fieldError: codeProblem(check) }, status: 400 };
  },
  actions: { text: send('text'), call: send('call') },
  async succeeded(env, step) {
    if (step.account.answers_barred_at) await liftAnswersBar(env.db, step.account.id);
  },
};
