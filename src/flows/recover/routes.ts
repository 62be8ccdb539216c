import type Router from '@koa/router';
import { z } from 'zod';
import type { FlowDeps } from '../deps.js';
import { noSoonerThan, RECOVERY_FLOOR_MS } from '../response-floor.js';
import { recoverOrigin, renderRecover, requireRecoverForm } from './page.js';
import { msg } from '../../i18n/index.js';
import { passwordRoutes } from './password-routes.js';
import { carryPortal, recoverySignInUrl, rememberStart } from './return-to.js';

const emailForm = z.object({ email: z.string().max(2000).catch('').transform((v) => v.trim()) });
const looksLikeEmail = z.email();

/** Recovery (docs/architecture.md /recover/...): forgot username, forgot password. */
export function recoverRoutes(router: Router, deps: FlowDeps): void {
  router.use(async (ctx, next) => {
    if (/^\/recover(\/|$)/.test(ctx.path)) carryPortal(ctx);
    await next();
  });
  router.get('/recover', async (ctx) => {
    await rememberStart(ctx, deps);
    renderRecover(ctx, deps, 'choose');
  });
  router.get('/recover/username', async (ctx) => {
    await rememberStart(ctx, deps);
    renderRecover(ctx, deps, 'username');
  });
  router.post('/recover/username', async (ctx) => {
    requireRecoverForm(ctx, deps);
    const { email } = emailForm.parse(ctx.request.body ?? {});
    await deps.limits.attempt('recovery', ctx.ip, email);
    if (!looksLikeEmail.safeParse(email).success) return renderRecover(ctx, deps, 'username', { email, fieldError: msg('recover.error.email_format') }, 400);
    await noSoonerThan(RECOVERY_FLOOR_MS, () => deps.identity.recovery.mailUsername(email, recoverOrigin(ctx)));
    // The same answer whether or not an ID uses the address.
    renderRecover(ctx, deps, 'usernameSent', { signInUrl: await recoverySignInUrl(ctx, deps) });
  });
  passwordRoutes(router, deps);
}
