import { ACCOUNT_CLIENT_ID } from '../config/account-client.js';
import type { Context } from 'koa';
import type { FlowDeps } from './deps.js';
import { isCrossOrigin } from '../web/csrf.js';
import { findInteraction, saveInteractionResult, type InteractionDetails } from '../oidc/interactions.js';
import { msg } from '../i18n/index.js';
import { CsrfError, PageError } from '../web/page-errors.js';

export type { InteractionDetails };

/**
 * The interaction of `/interaction/:uid/...`, or a PageError the error handler answers: the
 * person starts again from the portal (a new interaction needs the portal's request). A
 * missing interaction cookie or an expired interaction is oidc-provider's SessionNotFound
 * (docs/architecture.md, oidc-provider pitfalls): a page, never an error dump. The portal's
 * preferred languages apply to the pages of this sign-in (OIDC Core 1.0 §3.1.2.1).
 */
export async function interactionOf(ctx: Context, deps: FlowDeps): Promise<InteractionDetails> {
  const details = await findInteraction(deps.host, ctx.req, ctx.res, ctx.params.uid);
  if (!details) throw new PageError(400, msg('interaction.expired.title'), msg('interaction.expired.body'));
  ctx.state.uiLocales = details.params.ui_locales;
  // Its pages and mails carry the portal's brand (web/brand.ts).
  ctx.state.portal = details.params.client_id;
  return details;
}

/** Throws CsrfError unless the form carries a token for `binding` and comes from Portico's own origin. */
export function requireForm(ctx: Context, deps: FlowDeps, binding: string, body = msg('interaction.csrf.body')): void {
  const posted = ctx.request.body as Record<string, unknown> | undefined;
  if (isCrossOrigin(ctx, new URL(deps.config.issuer).origin) || !deps.csrf.verify(binding, posted?.csrf)) throw new CsrfError(body, msg('interaction.csrf.title'));
}

export function clientName(deps: FlowDeps, clientId: unknown): string | undefined {
  return typeof clientId === 'string' ? deps.config.clients.settings.get(clientId)?.clientName : undefined;
}

/**
 * Ends the interaction and sends the browser back to oidc-provider's /auth resume endpoint.
 * Steps after login keep the login result of the earlier interaction (`merge`), as
 * oidc-provider's example does for consent: without it, `prompt=login` would ask again forever.
 */
export async function finishInteraction(ctx: Context, details: InteractionDetails, result: Record<string, unknown>, options: { merge?: boolean } = {}): Promise<void> {
  const redirectTo = await saveInteractionResult(details, result, options.merge ?? false);
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/**
 * "Cancel and return to the portal" for this interaction; undefined for the account pages'
 * own sign-in, which has no portal to return to.
 */
export function portalAbortUrl(details: InteractionDetails): string | undefined {
  return details.params.client_id === ACCOUNT_CLIENT_ID ? undefined : `/interaction/${details.uid}/abort`;
}
