import { z } from 'zod';
import { checkAccessCode, codeSentFor, maskEmail, sendAccessCode } from '../identity/second-step/access-code.js';
import { ACR } from '../identity/second-step/assurance.js';
import { liftAnswersBar } from '../identity/second-step/security-questions.js';
import { codeFormat, codeProblem, codeSent, offerCode, sendProblem } from './email-code-messages.js';
import type { MethodEnv, MethodStep, SecondStepMethod } from './types.js';
import { isDigitCode, typedCodeField } from '../identity/typed-code.js';

const codeForm = z.object({ code: typedCodeField });

const send = (env: MethodEnv, step: MethodStep) => sendAccessCode(env.db, step.account, env.config.policy.second_step.access_code, step.uid, step.origin);

/**
 * The emailed access code: a one-time code bound to this sign-in (`binding`, its interaction
 * uid), counted per code and per account (code_failures). RFC 8176 §2 `otp`.
 */
export const emailCode: SecondStepMethod = {
  id: 'email_code',
  path: 'access-code',
  amr: 'otp',
  acr: ACR.secondStep,
  offerLabel: offerCode,
  // The verified email is what is left when the policy's other methods do not fit the account.
  fallback: true,
  isAvailable: async () => true,
  // The password's POST mails this sign-in its code; the page's GET never does (RFC 9110 §9.2.1: GET is safe).
  start: async (env, step) => {
    await send(env, step);
  },
  /** The code form once this sign-in was sent a code; before that, a button that sends one. */
  async render(env, step, after) {
    const code = env.config.policy.second_step.access_code;
    const sent = after === 'post' || (await codeSentFor(env.db, step.account.id, step.uid));
    return { view: 'second-step', data: { mode: sent ? 'code' : 'send', destination: maskEmail(step.account.email), codeLength: code.length, validMinutes: code.ttl_minutes } };
  },
  async verify(env, step, form) {
    const { code } = codeForm.parse(form);
    const { length } = env.config.policy.second_step.access_code;
    if (!isDigitCode(code, length)) return { ok: false, messages: { fieldError: codeFormat(length) }, status: 400 };
    const check = await checkAccessCode(env.db, step.account.id, code, step.uid, env.config.policy, step.origin);
    if (check.ok) return { ok: true };
    if (check.reason === 'id_locked') return { ok: false, locked: true };
    return { ok: false, messages: { fieldError: codeProblem(check) }, status: 400 };
  },
  actions: {
    /** "Email me a code", "Send a new code": the page says it was sent, or why not. */
    async resend(env, step) {
      const first = !(await codeSentFor(env.db, step.account.id, step.uid));
      const issued = await send(env, step);
      if (issued.ok) return { messages: { notice: codeSent(first) }, status: 200 };
      // Waiting a few seconds for a new code is no error: the neutral notice (role="status"), not the red alert.
      return { messages: issued.reason === 'throttled' ? { notice: sendProblem(issued) } : { alert: sendProblem(issued) }, status: 429 };
    },
  },
  async succeeded(env, step) {
    if (step.account.answers_barred_at) await liftAnswersBar(env.db, step.account.id);
  },
};
