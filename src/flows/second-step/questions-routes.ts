import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkAnswers } from '../../identity/second-step/security-questions.js';
import type { FlowDeps } from '../deps.js';
import { msg } from '../../i18n/index.js';
import { showLocked } from '../locked/page.js';
import { readAnswers } from './answers-form.js';
import { completeSecondStep } from './complete.js';
import { offeredMethods } from './methods.js';
import { renderStep } from './page.js';
import { loadStep, type StepPlace } from './step.js';

async function submit(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, place.account.id);
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const check = await checkAnswers(deps.db, deps.hasher, deps.config.policy.lockout, place.account.id, readAnswers(body), place.origin);
  if (check.ok) return completeSecondStep(ctx, deps, place, 'security_questions', body?.remember === 'yes');
  if (check.reason === 'locked') return showLocked(ctx, deps, place.details, place.account.id);
  await renderStep(ctx, deps, place, 'security_questions', { fieldError: msg('second.error.answers', { count: check.attemptsLeft }) }, 400);
}

/** Security questions as the second step (issue 4, item 1), for accounts that have them. */
export function questionsRoutes(router: Router, deps: FlowDeps): void {
  // Not offered (no answers, or barred after a reset made with them): the emailed code instead.
  const offered = async (ctx: Context, place: StepPlace | undefined) => {
    if (!place || (await offeredMethods(deps, place.account)).includes('security_questions')) return place;
    ctx.status = 303;
    ctx.redirect(`/interaction/${place.details.uid}/access-code`);
    return undefined;
  };
  router.get('/interaction/:uid/security-questions', async (ctx) => {
    const place = await offered(ctx, await loadStep(ctx, deps, 'second_step'));
    if (place) await renderStep(ctx, deps, place, 'security_questions');
  });
  router.post('/interaction/:uid/security-questions', async (ctx) => {
    const place = await offered(ctx, await loadStep(ctx, deps, 'second_step', { post: true }));
    if (place) await submit(ctx, deps, place);
  });
}
