import type Router from '@koa/router';
import { z } from 'zod';
import type { FlowDeps } from '../deps.js';
import { clearRecoveryCookie } from './flow-cookie.js';
import { recoverOrigin, renderRecover, requireRecoverForm } from './page.js';
import { msg } from '../../i18n/index.js';
import { recoveryAt } from './load-flow.js';
import { recoverySignInUrl } from './return-to.js';

const text = z.string().max(2000).catch('');
export const newPasswordForm = z.object({ password: text, confirmPassword: text });

export function newPasswordRoutes(router: Router, deps: FlowDeps): void {
  router.get('/recover/password/new', async (ctx) => {
    await recoveryAt(ctx, deps, ['new_password']);
    renderRecover(ctx, deps, 'new');
  });
  router.post('/recover/password/new', async (ctx) => {
    requireRecoverForm(ctx, deps);
    const flow = await recoveryAt(ctx, deps, ['new_password']);
    const input = newPasswordForm.parse(ctx.request.body ?? {});
    // A flow reaches this state only with an ID behind it: decoys never pass the proof.
    const outcome = await deps.identity.recovery.setPassword(flow, input, recoverOrigin(ctx));
    if (!outcome) return renderRecover(ctx, deps, 'start', { alert: msg('recover.error.expired') }, 400);
    if (!outcome.ok) return renderRecover(ctx, deps, 'new', { errors: { [outcome.field]: outcome.message } }, 400);
    clearRecoveryCookie(ctx);
    renderRecover(ctx, deps, 'done', { signInUrl: await recoverySignInUrl(ctx, deps) });
  });
}
