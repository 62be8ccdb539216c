import type { Context } from 'koa';
import { maskEmail } from '../../identity/second-step/access-code.js';
import { accountQuestions } from '../../identity/second-step/security-questions.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { METHOD_PATH, offeredMethods, otherMethods } from './methods.js';
import type { StepPlace } from './step.js';
import type { SecondStepMethod } from '../../identity/second-step/assurance.js';
import type { Text } from '../../i18n/index.js';

export interface StepMessages {
  fieldError?: Text;
  alert?: Text;
  notice?: Text;
}

/**
 * The second-step page for one method, with links to the others the account may use.
 * `email_code_send`: this sign-in has no code yet, and the page offers a button that sends one.
 */
export async function renderStep(ctx: Context, deps: FlowDeps, place: StepPlace, shown: SecondStepMethod | 'email_code_send', messages: StepMessages = {}, status = 200): Promise<void> {
  const { uid } = place.details;
  const code = deps.config.policy.second_step.access_code;
  const method: SecondStepMethod = shown === 'security_questions' ? shown : 'email_code';
  const base = `/interaction/${uid}/${METHOD_PATH[method]}`;
  sendPage(ctx, deps.renderer, 'second-step', {
    mode: shown === 'email_code_send' ? 'send' : method === 'email_code' ? 'code' : 'questions',
    action: base,
    resendAction: `${base}/resend`,
    abortUrl: `/interaction/${uid}/abort`,
    csrf: deps.csrf.token(`interaction:${uid}`),
    destination: maskEmail(place.account.email),
    codeLength: code.length,
    validMinutes: code.ttl_minutes,
    questions: method === 'security_questions' ? await accountQuestions(deps.db, deps.config.policy.registration.security_questions, place.account.id) : [],
    others: otherMethods(uid, await offeredMethods(deps, place.account), method),
    ...messages,
  }, status);
}
