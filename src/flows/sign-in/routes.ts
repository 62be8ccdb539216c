import type Router from '@koa/router';
import type { Context } from 'koa';
import { authenticate } from '../../identity/authenticate.js';
import { recordAudit } from '../../identity/audit.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { showLocked } from '../locked/page.js';
import { continueAfterPassword } from '../second-step/after-password.js';
import { readDeviceToken } from '../second-step/device-cookie.js';
import { continueToVerification } from '../verify-email/after-sign-in.js';
import { checkFormPost, clientName, loadInteraction, type InteractionDetails } from '../interaction.js';
import { SIGN_IN_FAILURE_FLOOR_MS, startFloor } from '../response-floor.js';
import { signInForm } from './form.js';
import { msg, type Text } from '../../i18n/index.js';

const genericError = msg('sign_in.error.generic');

export function renderSignIn(ctx: Context, deps: FlowDeps, details: InteractionDetails, extra: { login?: string; error?: Text } = {}, status = 200): void {
  sendPage(ctx, deps.renderer, 'sign-in', {
    action: `/interaction/${details.uid}/login`,
    abortUrl: `/interaction/${details.uid}/abort`,
    registerUrl: `/interaction/${details.uid}/register`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id),
    login: extra.login ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
    error: extra.error,
  }, status);
}

/** The `login` prompt: username or email, and password. */
export function signInRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/login', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    if (!details || !checkFormPost(ctx, deps, details.uid)) return;
    const parsed = signInForm.safeParse(ctx.request.body);
    const login = typeof (ctx.request.body as { login?: unknown })?.login === 'string' ? (ctx.request.body as { login: string }).login.slice(0, 254) : '';
    await deps.limits.attempt('sign_in', ctx.ip, login.trim());
    if (!parsed.success) {
      await deps.hasher.verifyDecoy('');
      return renderSignIn(ctx, deps, details, { login, error: genericError }, 400);
    }
    const clientId = details.params.client_id as string;
    const where = { clientId, ip: ctx.ip, userAgent: ctx.get('user-agent') };
    const floor = startFloor(SIGN_IN_FAILURE_FLOOR_MS);
    // The remembered-device cookie matters only to the smart lock (identity/authenticate.ts).
    const result = await authenticate(deps.db, deps.hasher, deps.config.policy, parsed.data.login, parsed.data.password, where, readDeviceToken(ctx));
    if (!result.ok) {
      // The attempt that locks the account was a wrong password; the ones after it are not checked.
      const reason = !result.account ? 'unknown_account' : result.reason === 'disabled' && result.lockedNow ? 'wrong_password' : result.reason;
      await recordAudit(deps.db, { action: 'sign_in.failed', actor: 'anonymous', accountId: result.account?.id, details: { reason }, ...where });
      // A known username costs a few database writes more than an unknown one (the attempt
      // counted, the lock checked): every refusal answers after the same floor.
      await floor();
      if (result.reason === 'disabled') return showLocked(ctx, deps, details, result.account?.id);
      return renderSignIn(ctx, deps, details, { login, error: genericError }, 400);
    }
    if (result.account.email_verified_at === null) return continueToVerification(ctx, deps, details, result.account);
    await continueAfterPassword(ctx, deps, details, result.account);
  });
}
