import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RecoveryFlow } from '../../identity/flows/recovery.js';
import type { FlowDeps } from '../deps.js';
import { readAnswers } from '../../methods/answers-form.js';
import { tooManyCodes } from '../../methods/code-messages.js';
import { recoveryAt } from './load-flow.js';
import { msg, type Msg } from '../../i18n/index.js';
import { recoverOrigin, recoveryLockedAdvice, renderRecover, requireRecoverForm } from './page.js';

/*
 * The security questions in "Forgot password": after the emailed code ('answers' state), or,
 * only when `recovery.allow_answers_alone` is on, instead of it ('prove' state). Wrong answers
 * throttle the flow through the recovery door's counter; they never disable the ID.
 */
async function render(ctx: Context, deps: FlowDeps, flow: RecoveryFlow, fieldError?: Msg): Promise<void> {
  const questions = await deps.identity.recovery.questions(flow);
  renderRecover(ctx, deps, 'questions', { action: '/recover/password/questions', questions, fieldError, codeFirst: flow.state === 'answers' }, fieldError ? 400 : 200);
}

async function submit(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.data.login);
  const check = await deps.identity.recovery.proveAnswers(flow, readAnswers(ctx.request.body), recoverOrigin(ctx));
  if (check.ok) {
    ctx.status = 303;
    return ctx.redirect('/recover/password/new');
  }
  const wait = tooManyCodes(check, { answers: true, lockedAdvice: recoveryLockedAdvice(deps) });
  await render(ctx, deps, flow, check.checked ? msg(wait ? 'recover.error.answers_and' : 'recover.error.answers', { reason: wait }) : wait);
}

export function answersRoutes(router: Router, deps: FlowDeps): void {
  const states = deps.identity.recovery.answersAt;
  router.get('/recover/password/questions', async (ctx) => render(ctx, deps, await recoveryAt(ctx, deps, states)));
  router.post('/recover/password/questions', async (ctx) => {
    requireRecoverForm(ctx, deps);
    await submit(ctx, deps, await recoveryAt(ctx, deps, states));
  });
}
