import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { findAccountByLogin } from '../../identity/accounts.js';
import type { CodeCheck } from '../../identity/one-time-codes.js';
import { checkRecoveryAnswers, checkRecoveryCode, recoveryQuestions, sendRecoveryCode } from '../../identity/recovery/prove.js';
import { recoverPendingId } from '../../identity/registration/pending-ids.js';
import { advanceRecoveryFlow, createRecoveryFlow, type RecoveryFlow } from '../../identity/recovery/recovery-flow.js';
import type { FlowDeps } from '../deps.js';
import { readAnswers } from '../second-step/answers-form.js';
import { noSoonerThan, RECOVERY_FLOOR_MS } from '../response-floor.js';
import { browserBinding, checkStandalonePost } from '../standalone-form.js';
import { setRecoveryCookie } from './flow-cookie.js';
import { loadRecoveryFlow } from './load-flow.js';
import { newPasswordRoutes } from './new-password-routes.js';
import { RECOVER_BINDING, renderRecover } from './page.js';

const loginForm = z.object({ login: z.string().max(2000).catch('').transform((v) => v.trim()) });
const codeForm = z.object({ code: z.string().max(100).catch('').transform((c) => c.replace(/[\s-]/g, '')) });

const origin = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });
const posted = (ctx: Context, deps: FlowDeps) => checkStandalonePost(ctx, deps, browserBinding(ctx, RECOVER_BINDING));

function codeProblem(check: Exclude<CodeCheck, { ok: true }>): string {
  if (check.reason === 'wrong' && check.attemptsLeft) return `That code is not correct. You can try ${check.attemptsLeft} more time${check.attemptsLeft === 1 ? '' : 's'}.`;
  if (check.reason === 'expired') return 'This code has expired. Select "Send a new code".';
  return 'This code can no longer be used. Select "Send a new code", or answer your security questions.';
}

/** Username in, a flow out: the same next page whether or not the username exists. */
async function start(ctx: Context, deps: FlowDeps): Promise<void> {
  if (!posted(ctx, deps)) return;
  const { login } = loginForm.parse(ctx.request.body ?? {});
  await deps.limits.attempt('recovery', ctx.ip, login);
  if (!login) return renderRecover(ctx, deps, 'start', { fieldError: 'Enter your username.' }, 400);
  const flowId = await noSoonerThan(RECOVERY_FLOOR_MS, async () => {
    const account = await findAccountByLogin(deps.db, login);
    const { id, flow } = await createRecoveryFlow(deps.db, account?.id ?? null, login);
    await sendRecoveryCode(deps.db, flow, deps.config.policy.second_step.access_code, origin(ctx));
    return id;
  });
  setRecoveryCookie(ctx, flowId);
  ctx.status = 303;
  ctx.redirect('/recover/password/code');
}

async function submitCode(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.login);
  const { code } = codeForm.parse(ctx.request.body ?? {});
  const policy = deps.config.policy.second_step.access_code;
  if (!new RegExp(`^\\d{${policy.length}}$`).test(code)) return renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code', fieldError: `Enter the ${policy.length}-digit code from the email.` }, 400);
  const check = await checkRecoveryCode(deps.db, flow, code, policy.max_attempts, origin(ctx));
  if (!check.ok) return renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code', fieldError: codeProblem(check) }, 400);
  // A pending ID's address is proved now, and whatever was set on it before is cleared (identity/registration/pending-ids.ts).
  if (!(await recoverPendingId(deps.db, check.accountId, check.destination, origin(ctx)))) return renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code', fieldError: codeProblem({ ok: false, reason: 'used' }) }, 400);
  await proved(ctx, deps, flow);
}

async function submitAnswers(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.login);
  const check = await checkRecoveryAnswers(deps.db, deps.hasher, deps.config.policy.lockout, flow, readAnswers(ctx.request.body), origin(ctx));
  if (check.ok) return proved(ctx, deps, flow);
  const fieldError = check.reason === 'locked' ? 'These answers can no longer be used. Ask for an emailed code instead.' : `One or more answers are not correct. You can try ${check.attemptsLeft} more time${check.attemptsLeft === 1 ? '' : 's'}.`;
  const questions = await recoveryQuestions(deps.db, deps.config.policy.registration.security_questions, flow);
  renderRecover(ctx, deps, 'questions', { action: '/recover/password/questions', questions, fieldError }, 400);
}

async function proved(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await advanceRecoveryFlow(deps.db, flow, 'prove', 'new_password');
  ctx.status = 303;
  ctx.redirect('/recover/password/new');
}

/** "Forgot password": username, then the emailed code or the security questions, then a new password. */
export function passwordRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password', (ctx) => renderRecover(ctx, deps, 'start'));
  router.post('/recover/password', (ctx) => start(ctx, deps));
  router.get('/recover/password/code', async (ctx) => {
    const flow = await loadRecoveryFlow(ctx, deps, 'prove');
    if (flow) renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code' });
  });
  router.post('/recover/password/code', async (ctx) => {
    const flow = posted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, 'prove') : undefined;
    if (flow) await submitCode(ctx, deps, flow);
  });
  router.post('/recover/password/code/resend', async (ctx) => {
    const flow = posted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, 'prove') : undefined;
    if (!flow) return;
    const sent = await noSoonerThan(RECOVERY_FLOOR_MS, () => sendRecoveryCode(deps.db, flow, deps.config.policy.second_step.access_code, origin(ctx)));
    const message = sent.ok ? { notice: 'We sent a new code. Only the newest code works.' } : { alert: 'We cannot send another code just now. Wait a little, or answer your security questions.' };
    renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code', ...message }, sent.ok ? 200 : 429);
  });
  router.get('/recover/password/questions', async (ctx) => {
    const flow = await loadRecoveryFlow(ctx, deps, 'prove');
    if (flow) renderRecover(ctx, deps, 'questions', { action: '/recover/password/questions', questions: await recoveryQuestions(deps.db, deps.config.policy.registration.security_questions, flow) });
  });
  router.post('/recover/password/questions', async (ctx) => {
    const flow = posted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, 'prove') : undefined;
    if (flow) await submitAnswers(ctx, deps, flow);
  });
  newPasswordRoutes(router, deps);
}
