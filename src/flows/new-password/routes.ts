import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Text } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { originOf } from '../sign-in/flow.js';
import { finishInteraction, interactionOf, portalAbortUrl, type InteractionDetails } from '../interaction.js';
import { newPasswordForm } from '../recover/new-password-routes.js';
import { passwordHints } from '../register/rule-hints.js';

export function renderNewPassword(ctx: Context, deps: FlowDeps, details: InteractionDetails, errors: Record<string, Text> = {}, status = 200): void {
  sendPage(ctx, deps.renderer, 'new-password-step', {
    action: `/interaction/${details.uid}/new-password`,
    abortUrl: portalAbortUrl(details),
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    passwordHints: passwordHints(deps.config.policy.password),
    errors,
  }, status);
}

/**
 * Whether the person signed in during this authorization: the login step's result is carried
 * into the prompt's interaction (oidc-provider's lastSubmission). oidc/account-prompts.ts makes
 * an older SSO session sign in again before this step.
 */
function signedInJustNow(details: InteractionDetails): boolean {
  const login = (details.lastSubmission as { login?: { accountId?: string } } | undefined)?.login;
  return !!login?.accountId && login.accountId === details.session?.accountId;
}

/**
 * The `new_password` prompt (oidc/account-prompts.ts): a password that meets the policy, then on
 * to the portal. Every other session and token of the account ends, as with any password change;
 * this one carries on, as its sign-in is stamped when the authorization resumes.
 */
export function newPasswordStepRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/new-password', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'new_password' || !accountId || !signedInJustNow(details)) throw new GoTo(`/interaction/${details.uid}`);
    const input = newPasswordForm.parse(ctx.request.body ?? {});
    const outcome = await deps.identity.passwordUpgrade.setPassword(accountId, input, originOf(ctx, details));
    if (!outcome) throw new GoTo(`/interaction/${details.uid}`);
    if (!outcome.ok) return renderNewPassword(ctx, deps, details, { [outcome.field]: outcome.message }, 400);
    await finishInteraction(ctx, details, { new_password: { changed: true } }, { merge: true });
  });
}
