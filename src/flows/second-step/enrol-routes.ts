import type Router from '@koa/router';
import type { Context } from 'koa';
import { ACR } from '../../identity/second-step/assurance.js';
import { enrolQuestions } from '../../identity/second-step/security-questions.js';
import { amrOf } from '../../identity/second-step/sign-in-steps.js';
import { checkSecurityQuestions } from '../../identity/registration/security-answers.js';
import type { Msg } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { readQuestionPairs } from '../register/form.js';
import { finishSignIn } from './finish.js';
import { loadStep, type StepPlace } from './step.js';

function render(ctx: Context, deps: FlowDeps, place: StepPlace, state: { values?: Record<string, string>; errors?: Record<string, Msg> } = {}, status = 200): void {
  const questions = deps.config.policy.registration.security_questions;
  sendPage(ctx, deps.renderer, 'enrol-questions', {
    action: `/interaction/${place.details.uid}/enrol-questions`,
    csrf: deps.csrf.token(`interaction:${place.details.uid}`),
    values: state.values ?? {},
    errors: state.errors ?? {},
    questions: questions.questions,
    questionCount: questions.count,
    answerMinLength: questions.answer_min_length,
  }, status);
}

async function submit(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  const policy = deps.config.policy.registration.security_questions;
  const chosen = readQuestionPairs(ctx.request.body, policy.count);
  const errors = checkSecurityQuestions(policy, chosen);
  if (Object.keys(errors).length > 0) {
    const values = Object.fromEntries(chosen.map((q, i) => [`question${i + 1}`, q.questionId]));
    return render(ctx, deps, place, { values, errors }, 400);
  }
  await enrolQuestions(deps.db, deps.hasher, place.account.id, chosen, place.origin);
  await finishSignIn(ctx, deps, place.details, place.account.id, amrOf(place.step), ACR.secondStep);
}

/** Accounts without security questions set them once, after their emailed code. */
export function enrolRoutes(router: Router, deps: FlowDeps): void {
  router.get('/interaction/:uid/enrol-questions', async (ctx) => {
    const place = await loadStep(ctx, deps, 'enrol');
    if (place) render(ctx, deps, place);
  });
  router.post('/interaction/:uid/enrol-questions', async (ctx) => {
    const place = await loadStep(ctx, deps, 'enrol', { post: true });
    if (place) await submit(ctx, deps, place);
  });
}
