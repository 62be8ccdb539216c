import type Router from '@koa/router';
import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { readDeviceToken } from '../second-step/device-cookie.js';
import { clientName, interactionOf, portalAbortUrl, type InteractionDetails } from '../interaction.js';
import { SIGN_IN_FAILURE_FLOOR_MS, startFloor } from '../response-floor.js';
import { locked, originOf, passkeySignInUrl, passwordAccepted } from './flow.js';
import { passkeysListed } from '../../methods/passkey.js';
import { signInForm } from './form.js';
import { msg, type Text } from '../../i18n/index.js';

export const GENERIC_ERROR = msg('sign_in.error.generic');

/**
 * The sign-in page. Where the policy lists passkeys it carries a fresh challenge for any passkey
 * of this site (public/passkey.js shows the button and starts the username field's autofill).
 */
export async function renderSignIn(ctx: Context, deps: FlowDeps, details: InteractionDetails, extra: { login?: string; error?: Text } = {}, status = 200): Promise<void> {
  const passkeyOptions = passkeysListed(deps) ? JSON.stringify(await deps.identity.passkeys.signInOptions(details.uid)) : undefined;
  sendPage(ctx, deps.renderer, 'sign-in', {
    passkeyAction: passkeySignInUrl(details.uid),
    passkeyOptions,
    action: `/interaction/${details.uid}/login`,
    abortUrl: portalAbortUrl(details),
    registerUrl: `/interaction/${details.uid}/register`,
    // Recovery started here returns here (flows/recover/return-to.ts).
    recoverQuery: `?from=${details.uid}`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id),
    login: extra.login ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
    error: extra.error,
  }, status);
}

/** The `login` prompt: username or email, and password; the sign-in flow's first event. */
async function submit(ctx: Context, deps: FlowDeps): Promise<void> {
  const details = await interactionOf(ctx, deps);
  const parsed = signInForm.safeParse(ctx.request.body);
  const login = typeof (ctx.request.body as { login?: unknown })?.login === 'string' ? (ctx.request.body as { login: string }).login.slice(0, 254) : '';
  await deps.limits.attempt('sign_in', ctx.ip, login.trim());
  if (!parsed.success) {
    await deps.hasher.verifyDecoy('');
    return renderSignIn(ctx, deps, details, { login, error: GENERIC_ERROR }, 400);
  }
  const where = originOf(ctx, details);
  const floor = startFloor(SIGN_IN_FAILURE_FLOOR_MS);
  // The remembered-device cookie matters only to the smart lock (identity/authenticate.ts).
  const result = await deps.identity.signIn.authenticate(parsed.data.login, parsed.data.password, where, readDeviceToken(ctx));
  if (result.ok) return passwordAccepted(ctx, deps, details, result.account);
  // The attempt that locks the account was a wrong password; the ones after it are not checked.
  const reason = !result.account ? 'unknown_account' : result.reason === 'disabled' && result.lockedNow ? 'wrong_password' : result.reason;
  await deps.identity.signIn.failed(result.account?.id, reason, where);
  // A known username costs a few database writes more than an unknown one (the attempt
  // counted, the lock checked): every refusal answers after the same floor.
  await floor();
  if (result.reason === 'disabled') return locked(ctx, deps, details, result.account);
  const lastTry = deps.config.policy.lockout.warn_last_try && result.triesLeft === 1;
  await renderSignIn(ctx, deps, details, { login, error: lastTry ? msg('sign_in.error.last_try') : GENERIC_ERROR }, 400);
}

export function signInRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/login', (ctx) => submit(ctx, deps));
}
