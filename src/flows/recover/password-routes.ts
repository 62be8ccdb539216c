import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { RecoveryFlow } from '../../identity/flows/recovery.js';
import type { CodeRefusal } from '../../identity/services/recovery.js';
import type { FlowDeps } from '../deps.js';
import { noSoonerThan, RECOVERY_FLOOR_MS } from '../response-floor.js';
import { tooManyCodes } from '../../methods/code-messages.js';
import { isDigitCode, typedCodeField } from '../../identity/typed-code.js';
import { answersRoutes } from './answers-routes.js';
import { setRecoveryCookie } from './flow-cookie.js';
import { recoveryAt } from './load-flow.js';
import { newPasswordRoutes } from './new-password-routes.js';
import { rememberStart } from './return-to.js';
import { msg, type Msg } from '../../i18n/index.js';
import { recoverOrigin, recoveryLockedAdvice, renderRecover, requireRecoverForm } from './page.js';

const loginForm = z.object({ login: z.string().max(2000).catch('').transform((v) => v.trim()) });
const codeForm = z.object({ code: typedCodeField });

function codeProblem(deps: FlowDeps, check: CodeRefusal): Msg {
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
  renderRecover(ctx, deps, 'code', { login: flow.data.login, action: '/recover/password/code', ...data }, status);

/** Username in, a flow out: the same next page whether or not the username exists. */
async function start(ctx: Context, deps: FlowDeps): Promise<void> {
  requireRecoverForm(ctx, deps);
  const { login } = loginForm.parse(ctx.request.body ?? {});
  await deps.limits.attempt('recovery', ctx.ip, login);
  if (!login) return renderRecover(ctx, deps, 'start', { fieldError: msg('recover.error.username') }, 400);
  const flowId = await noSoonerThan(RECOVERY_FLOOR_MS, () => deps.identity.recovery.start(login, recoverOrigin(ctx)));
  setRecoveryCookie(ctx, flowId);
  ctx.status = 303;
  ctx.redirect('/recover/password/code');
}

/** A right code: the account's questions as well when policy asks them, else a new password. */
async function submitCode(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, flow.data.login);
  const { code } = codeForm.parse(ctx.request.body ?? {});
  const length = deps.config.policy.recovery.code_length;
  if (!isDigitCode(code, length)) return renderCode(ctx, deps, flow, { fieldError: msg('second.error.code_format', { length }) }, 400);
  const proved = await deps.identity.recovery.proveCode(flow, code, recoverOrigin(ctx));
  if (!proved.ok) return renderCode(ctx, deps, flow, { fieldError: codeProblem(deps, proved) }, 400);
  ctx.status = 303;
  ctx.redirect(proved.next === 'answers' ? '/recover/password/questions' : '/recover/password/new');
}

/** "Forgot password": username, then the emailed code (and the security questions), then a new password. */
export function passwordRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password', async (ctx) => {
    await rememberStart(ctx, deps);
    renderRecover(ctx, deps, 'start');
  });
  router.post('/recover/password', (ctx) => start(ctx, deps));
  router.get('/recover/password/code', async (ctx) => renderCode(ctx, deps, await recoveryAt(ctx, deps, ['prove'])));
  router.post('/recover/password/code', async (ctx) => {
    requireRecoverForm(ctx, deps);
    await submitCode(ctx, deps, await recoveryAt(ctx, deps, ['prove']));
  });
  router.post('/recover/password/code/resend', async (ctx) => {
    requireRecoverForm(ctx, deps);
    const flow = await recoveryAt(ctx, deps, ['prove']);
    const sent = await noSoonerThan(RECOVERY_FLOOR_MS, () => deps.identity.recovery.resendCode(flow, recoverOrigin(ctx)));
    // "Wait a little" is no error: the neutral notice (role="status"), one wording whatever the reason.
    const message = { notice: msg(sent.ok ? 'second.notice.sent_again' : 'recover.error.send_later') };
    renderCode(ctx, deps, flow, message, sent.ok ? 200 : 429);
  });
  answersRoutes(router, deps);
  newPasswordRoutes(router, deps);
}
