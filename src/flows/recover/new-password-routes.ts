import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { findAccountById } from '../../identity/accounts.js';
import { advanceRecoveryFlow, type RecoveryFlow } from '../../identity/recovery/recovery-flow.js';
import { setPassword } from '../../identity/recovery/set-password.js';
import type { FlowDeps } from '../deps.js';
import { browserBinding, checkStandalonePost } from '../standalone-form.js';
import { clearRecoveryCookie } from './flow-cookie.js';
import { RECOVER_BINDING, renderRecover } from './page.js';
import { msg } from '../../i18n/index.js';
import { loadRecoveryFlow } from './load-flow.js';

const text = z.string().max(2000).catch('');
export const newPasswordForm = z.object({ password: text, confirmPassword: text });

async function submit(ctx: Context, deps: FlowDeps, flow: RecoveryFlow): Promise<void> {
  // A flow reaches this stage only with an ID behind it: decoys never pass the proof.
  const account = flow.account_id ? await findAccountById(deps.db, flow.account_id) : undefined;
  if (!account) return renderRecover(ctx, deps, 'start', { alert: msg('recover.error.expired') }, 400);
  const input = newPasswordForm.parse(ctx.request.body ?? {});
  // The flow ends in the password's own transaction: a crash cannot leave it reusable, and
  // two submits at once cannot both set a password.
  const claim = (trx: typeof deps.db) => advanceRecoveryFlow(trx, flow, 'new_password', 'done');
  const outcome = await setPassword(deps.db, deps.hasher, deps.config.policy, account, input, { reason: 'recovery', endSessions: true, claim, barAnswers: flow.proof === 'answers', origin: { ip: ctx.ip, userAgent: ctx.get('user-agent') } });
  if (!outcome.ok) return renderRecover(ctx, deps, 'new', { errors: { [outcome.field]: outcome.message } }, 400);
  clearRecoveryCookie(ctx);
  renderRecover(ctx, deps, 'done');
}

export function newPasswordRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password/new', async (ctx) => {
    if (await loadRecoveryFlow(ctx, deps, 'new_password')) renderRecover(ctx, deps, 'new');
  });
  router.post('/recover/password/new', async (ctx) => {
    if (!checkStandalonePost(ctx, deps, browserBinding(ctx, RECOVER_BINDING))) return;
    const flow = await loadRecoveryFlow(ctx, deps, 'new_password');
    if (flow) await submit(ctx, deps, flow);
  });
}
