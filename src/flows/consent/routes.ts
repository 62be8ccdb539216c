import type Router from '@koa/router';
import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import { saveConsentGrant } from '../../oidc/interactions.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { msg, type Msg } from '../../i18n/index.js';
import { clientName, finishInteraction, interactionOf, type InteractionDetails } from '../interaction.js';

const scopeDescriptions: Record<string, Msg> = {
  openid: msg('consent.scope.openid'),
  profile: msg('consent.scope.profile'),
  email: msg('consent.scope.email'),
  account_type: msg('consent.scope.account_type'),
  organizations: msg('consent.scope.organizations'),
  offline_access: msg('consent.scope.offline_access'),
};
/** Scopes that let the portal act rather than see: listed under "will be able to". */
const ACTION_SCOPES = new Set(['offline_access']);

/** Scopes and claims the portal asks for that the existing grant does not cover. */
function missing(details: InteractionDetails) {
  const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  return { scopes: d.missingOIDCScope ?? [], claims: d.missingOIDCClaims ?? [], resources: d.missingResourceScopes ?? {} };
}

export function renderConsent(ctx: Context, deps: FlowDeps, details: InteractionDetails): void {
  sendPage(ctx, deps.renderer, 'consent', {
    action: `/interaction/${details.uid}/confirm`,
    denyAction: `/interaction/${details.uid}/deny`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id) ?? details.params.client_id,
    scopes: missing(details).scopes.filter((s) => !ACTION_SCOPES.has(s)).map((s) => scopeDescriptions[s] ?? s),
    actions: missing(details).scopes.filter((s) => ACTION_SCOPES.has(s)).map((s) => scopeDescriptions[s] ?? s),
  });
}

/** Records what the portal asked for on the account's grant and resumes the authorization. */
export async function grantConsent(ctx: Context, deps: FlowDeps, details: InteractionDetails): Promise<void> {
  const grantId = await saveConsentGrant(deps.host, details, missing(details));
  await finishInteraction(ctx, details, { consent: { grantId } }, { merge: true });
}

/** The `consent` prompt, seen only by third-party portals (first-party grants: first-party-grant.ts). */
export function consentRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/confirm', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) throw new GoTo(`/interaction/${details.uid}`, 302);
    await grantConsent(ctx, deps, details);
  });

  router.post('/interaction/:uid/deny', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    await finishInteraction(ctx, details, { error: 'access_denied', error_description: 'The user did not allow access.' });
  });
}
