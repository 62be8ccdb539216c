import type Router from '@koa/router';
import type { Context } from 'koa';
import { findAccountById } from '../../identity/accounts.js';
import { acceptTerms } from '../../identity/terms.js';
import type { Msg } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { checkFormPost, clientName, finishInteraction, loadInteraction, type InteractionDetails } from '../interaction.js';

export function renderTerms(ctx: Context, deps: FlowDeps, details: InteractionDetails, state: { errors?: Record<string, Msg>; signature?: string } = {}, status = 200): void {
  const terms = deps.config.policy.registration.terms;
  sendPage(ctx, deps.renderer, 'terms-accept', {
    action: `/interaction/${details.uid}/terms`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id),
    version: terms.version,
    termsUrl: terms.terms_url,
    privacyUrl: terms.privacy_url,
    requireSignature: terms.require_signature,
    errors: state.errors ?? {},
    signature: state.signature,
  }, status);
}

/** The `terms` prompt (oidc/account-prompts.ts): accept the current version, signed if the policy says so. */
export function termsRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/terms', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    if (!details || !checkFormPost(ctx, deps, details.uid)) return;
    const account = details.session?.accountId ? await findAccountById(deps.db, details.session.accountId) : undefined;
    if (details.prompt.name !== 'terms' || !account) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${details.uid}`);
    }
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const signature = typeof body.signature === 'string' ? body.signature.slice(0, 200) : '';
    const terms = deps.config.policy.registration.terms;
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
    const outcome = await acceptTerms(deps.db, account, terms.version, { accepted: body.accept === 'yes', signature, requireSignature: terms.require_signature }, { clientId, ip: ctx.ip, userAgent: ctx.get('user-agent') });
    if (!outcome.ok) return renderTerms(ctx, deps, details, { errors: { [outcome.field]: outcome.message }, signature }, 400);
    await finishInteraction(ctx, details, { terms: { version: terms.version } }, { merge: true });
  });
}
