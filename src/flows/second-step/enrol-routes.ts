import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkSecurityQuestions } from '../../identity/registration/security-answers.js';
import type { Msg } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { readQuestionPairs } from '../register/form.js';
import { enrolled, enrolUrl, signInAt, type SignInPlace } from '../sign-in/flow.js';

function render(ctx: Context, deps: FlowDeps, place: SignInPlace, state: { values?: Record<string, string>; errors?: Record<string, Msg> } = {}, status = 200): void {
  const questions = deps.config.policy.registration.security_questions;
  sendPage(ctx, deps.renderer, 'enrol-questions', {
    action: enrolUrl(place.uid),
    csrf: deps.csrf.token(`interaction:${place.uid}`),
    values: state.values ?? {},
    errors: state.errors ?? {},
    questions: questions.questions,
    questionCount: questions.count,
    answerMinLength: questions.answer_min_length,
  }, status);
}

async function submit(ctx: Context, deps: FlowDeps, place: SignInPlace): Promise<void> {
  const policy = deps.config.policy.registration.security_questions;
  const chosen = readQuestionPairs(ctx.request.body, policy.count);
  const errors = checkSecurityQuestions(policy, chosen);
  if (Object.keys(errors).length > 0) {
    const values = Object.fromEntries(chosen.map((q, i) => [`question${i + 1}`, q.questionId]));
    return render(ctx, deps, place, { values, errors }, 400);
  }
  await deps.identity.signIn.enrol(place.account.id, chosen, place.origin);
  await enrolled(ctx, deps, place);
}

/** Accounts without security questions set them once, after their second step. */
export function enrolRoutes(router: Router, deps: FlowDeps): void {
  router.get('/interaction/:uid/enrol-questions', async (ctx) => render(ctx, deps, await signInAt(ctx, deps, 'enrol')));
  router.post('/interaction/:uid/enrol-questions', async (ctx) => submit(ctx, deps, await signInAt(ctx, deps, 'enrol')));
}
