import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Msg } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { originOf } from '../sign-in/flow.js';
import { clientName, finishInteraction, interactionOf, portalAbortUrl, type InteractionDetails } from '../interaction.js';

/** The terms step: "Our terms have changed" only to a person who accepted an earlier version. */
export async function renderTerms(ctx: Context, deps: FlowDeps, details: InteractionDetails, state: { errors?: Record<string, Msg>; signature?: string } = {}, status = 200): Promise<void> {
  const terms = deps.config.policy.registration.terms;
  const accountId = details.session?.accountId;
  const changed = accountId ? await deps.identity.terms.acceptedBefore(accountId) : false;
  sendPage(ctx, deps.renderer, 'terms-accept', {
    changed,
    action: `/interaction/${details.uid}/terms`,
    abortUrl: portalAbortUrl(details),
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
    const details = await interactionOf(ctx, deps);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'terms' || !accountId) throw new GoTo(`/interaction/${details.uid}`);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const signature = typeof body.signature === 'string' ? body.signature.slice(0, 200) : '';
    const terms = deps.config.policy.registration.terms;
    const outcome = await deps.identity.terms.accept(accountId, { accepted: body.accept === 'yes', signature }, originOf(ctx, details));
    if (!outcome) throw new GoTo(`/interaction/${details.uid}`);
    if (!outcome.ok) return renderTerms(ctx, deps, details, { errors: { [outcome.field]: outcome.message }, signature }, 400);
    await finishInteraction(ctx, details, { terms: { version: terms.version } }, { merge: true });
  });
}
