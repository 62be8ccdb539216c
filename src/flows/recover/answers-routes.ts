import type Router from '@koa/router';
import type { Context } from 'koa';
import { closed } from '../../identity/one-time-codes.js';
import { checkRecoveryAnswers, recoveryQuestions } from '../../identity/recovery/prove.js';
import { advanceRecoveryFlow, type RecoveryFlow } from '../../identity/recovery/recovery-flow.js';
import type { FlowDeps } from '../deps.js';
import { readAnswers } from '../../methods/answers-form.js';
import { tooManyCodes } from '../../methods/code-messages.js';
import { loadRecoveryFlow } from './load-flow.js';
import { msg, type Msg } from '../../i18n/index.js';
import { recoverOrigin, recoveryLockedAdvice, recoverPosted, renderRecover } from './page.js';

/*
 * The security questions in "Forgot password": after the emailed code ('answers' stage), or,
 * only when `recovery.allow_answers_alone` is on, instead of it ('prove' stage). Wrong answers
 * throttle the flow through the recovery door's counter; they never disable the ID.
 */
const stages = (deps: FlowDeps): RecoveryFlow['stage'][] => (deps.config.policy.recovery.allow_answers_alone ? ['answers', 'prove'] : ['answers']);

async function render(ctx: Context, deps: FlowDeps, flow: RecoveryFlow, fieldError?: Msg): Promise<void> {
  const questions = await recoveryQuestions(deps.db, deps.config.policy.registration.security_questions, flow);
  renderRecover(ctx, deps, 'questions', { action: '/recover/password/questions', questions, fieldError, codeFirst: flow.stage === 'answers' }, fieldError ? 400 : 200);
}

async function submit(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.login);
  const check = await checkRecoveryAnswers(deps.db, deps.hasher, deps.config.policy, flow, readAnswers(ctx.request.body), recoverOrigin(ctx));
  if (check.ok) {
    // Answers after the code: the code was the proof. Answers alone: remembered for the next sign-ins.
    await advanceRecoveryFlow(deps.db, flow, flow.stage, 'new_password', flow.stage === 'answers' ? 'code' : 'answers');
    ctx.status = 303;
    return ctx.redirect('/recover/password/new');
  }
  const wait = tooManyCodes(closed(check.gate), { answers: true, lockedAdvice: recoveryLockedAdvice(deps) });
  await render(ctx, deps, flow, check.checked ? msg(wait ? 'recover.error.answers_and' : 'recover.error.answers', { reason: wait }) : wait);
}

export function answersRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password/questions', async (ctx) => {
    const flow = await loadRecoveryFlow(ctx, deps, ...stages(deps));
    if (flow) await render(ctx, deps, flow);
  });
  router.post('/recover/password/questions', async (ctx) => {
    const flow = recoverPosted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, ...stages(deps)) : undefined;
    if (flow) await submit(ctx, deps, flow);
  });
}
