import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { findAccountByLogin } from '../../identity/accounts.js';
import type { CodeCheck } from '../../identity/one-time-codes.js';
import { checkRecoveryCode, hasAnswers, sendRecoveryCode } from '../../identity/recovery/prove.js';
import { recoverPendingId } from '../../identity/registration/pending-ids.js';
import { advanceRecoveryFlow, createRecoveryFlow, type RecoveryFlow } from '../../identity/recovery/recovery-flow.js';
import type { FlowDeps } from '../deps.js';
import { noSoonerThan, RECOVERY_FLOOR_MS } from '../response-floor.js';
import { tooManyCodes } from '../../methods/code-messages.js';
import { answersRoutes } from './answers-routes.js';
import { setRecoveryCookie } from './flow-cookie.js';
import { loadRecoveryFlow } from './load-flow.js';
import { newPasswordRoutes } from './new-password-routes.js';
import { msg, type Msg } from '../../i18n/index.js';
import { recoverOrigin, recoveryLockedAdvice, recoverPosted, renderRecover } from './page.js';

const loginForm = z.object({ login: z.string().max(2000).catch('').transform((v) => v.trim()) });
const codeForm = z.object({ code: z.string().max(100).catch('').transform((c) => c.replace(/[\s-]/g, '')) });

function codeProblem(deps: FlowDeps, check: Exclude<CodeCheck, { ok: true }>): Msg {
  const account = tooManyCodes(check, { answers: true, lockedAdvice: recoveryLockedAdvice(deps) });
  if (check.reason === 'wrong') {
    if (account) return msg('second.error.wrong_and', { reason: account });
    if (check.attemptsLeft) return msg('second.error.wrong', { count: check.attemptsLeft });
  }
  if (account) return account;
  if (check.reason === 'expired') return msg('second.error.expired');
  return msg('second.error.used');
}

const renderCode = (ctx: Context, deps: FlowDeps, flow: RecoveryFlow, data: Record<string, unknown> = {}, status = 200) =>
  renderRecover(ctx, deps, 'code', { login: flow.login, action: '/recover/password/code', ...data }, status);

/** Username in, a flow out: the same next page whether or not the username exists. */
async function start(ctx: Context, deps: FlowDeps): Promise<void> {
  if (!recoverPosted(ctx, deps)) return;
  const { login } = loginForm.parse(ctx.request.body ?? {});
  await deps.limits.attempt('recovery', ctx.ip, login);
  if (!login) return renderRecover(ctx, deps, 'start', { fieldError: msg('recover.error.username') }, 400);
  const flowId = await noSoonerThan(RECOVERY_FLOOR_MS, async () => {
    const account = await findAccountByLogin(deps.db, login);
    const { id, flow } = await createRecoveryFlow(deps.db, account?.id ?? null, login);
    await sendRecoveryCode(deps.db, flow, deps.config.policy, recoverOrigin(ctx));
    return id;
  });
  setRecoveryCookie(ctx, flowId);
  ctx.status = 303;
  ctx.redirect('/recover/password/code');
}

/** A right code: the account's questions as well when policy asks them, else a new password. */
async function submitCode(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.login);
  const { code } = codeForm.parse(ctx.request.body ?? {});
  const { length } = { length: deps.config.policy.recovery.code_length };
  if (!new RegExp(`^\\d{${length}}$`).test(code)) return renderCode(ctx, deps, flow, { fieldError: msg('second.error.code_format', { length }) }, 400);
  const check = await checkRecoveryCode(deps.db, flow, code, deps.config.policy, recoverOrigin(ctx));
  if (!check.ok) return renderCode(ctx, deps, flow, { fieldError: codeProblem(deps, check) }, 400);
  // A pending ID's address is proved now, and whatever was set on it before is cleared (identity/registration/pending-ids.ts).
  if (!(await recoverPendingId(deps.db, check.accountId, check.destination, recoverOrigin(ctx)))) return renderCode(ctx, deps, flow, { fieldError: codeProblem(deps, { ok: false, reason: 'used' }) }, 400);
  const alsoAnswers = deps.config.policy.recovery.ask_security_questions && (await hasAnswers(deps.db, flow.account_id));
  await advanceRecoveryFlow(deps.db, flow, 'prove', alsoAnswers ? 'answers' : 'new_password', 'code');
  ctx.status = 303;
  ctx.redirect(alsoAnswers ? '/recover/password/questions' : '/recover/password/new');
}

/** "Forgot password": username, then the emailed code (and the security questions), then a new password. */
export function passwordRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password', (ctx) => renderRecover(ctx, deps, 'start'));
  router.post('/recover/password', (ctx) => start(ctx, deps));
  router.get('/recover/password/code', async (ctx) => {
    const flow = await loadRecoveryFlow(ctx, deps, 'prove');
    if (flow) renderCode(ctx, deps, flow);
  });
  router.post('/recover/password/code', async (ctx) => {
    const flow = recoverPosted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, 'prove') : undefined;
    if (flow) await submitCode(ctx, deps, flow);
  });
  router.post('/recover/password/code/resend', async (ctx) => {
    const flow = recoverPosted(ctx, deps) ? await loadRecoveryFlow(ctx, deps, 'prove') : undefined;
    if (!flow) return;
    const sent = await noSoonerThan(RECOVERY_FLOOR_MS, () => sendRecoveryCode(deps.db, flow, deps.config.policy, recoverOrigin(ctx)));
    const message = sent.ok ? { notice: msg('second.notice.sent_again') } : { alert: msg('recover.error.send_later') };
    renderCode(ctx, deps, flow, message, sent.ok ? 200 : 429);
  });
  answersRoutes(router, deps);
  newPasswordRoutes(router, deps);
}
