import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { formGuard } from '../web/input-guard.js';
import { consentRoutes, grantConsent, renderConsent } from './consent/routes.js';
import type { FlowDeps } from './deps.js';
import { interactionOf, requireForm } from './interaction.js';
import { isFirstParty } from './first-party.js';
import { renderSignIn, signInRoutes } from './sign-in/routes.js';
import { passkeySignInRoutes } from './sign-in/passkey-routes.js';
import { invitationRoutes } from './invitation/routes.js';
import { orgInvitationRoutes } from './org-invitation/routes.js';
import { registerRoutes } from './register/routes.js';
import { verifyEmailRoutes } from './verify-email/routes.js';
import { accountRoutes } from './account/routes.js';
import { consoleRoutes } from './admin-console/routes.js';
import { legalRoutes } from './legal/routes.js';
import { lockedRoutes } from './locked/routes.js';
import { secondStepRoutes } from './second-step/routes.js';
import { recoverRoutes } from './recover/routes.js';
import { renderTerms, termsRoutes } from './terms/routes.js';
import { newPasswordStepRoutes, renderNewPassword } from './new-password/routes.js';
import { linkLegacyRoutes, renderLinkLegacy } from './link-legacy/routes.js';
import { abortRoutes } from './abort-routes.js';
import { homeRoutes } from './home/routes.js';
import { orgAdminRoutes } from './org-admin/routes.js';

/**
 * The hosted pages. GET /interaction/:uid shows the step oidc-provider's policy asks for;
 * each step's module handles its own posts.
 */
export function createFlowRouter(deps: FlowDeps): Router {
  const router = new Router();
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '64kb', encoding: 'utf-8' }));
  router.use(formGuard());
  // Every form under an interaction is bound to it: checked here, once, before any handler.
  router.use(async (ctx, next) => {
    const uid = ctx.method === 'POST' ? /^\/interaction\/([^/]+)\//.exec(ctx.path)?.[1] : undefined;
    if (uid) requireForm(ctx, deps, `interaction:${uid}`);
    await next();
  });

  router.get('/interaction/:uid', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    switch (details.prompt.name) {
      case 'login':
        return renderSignIn(ctx, deps, details);
      case 'terms':
        return renderTerms(ctx, deps, details);
      case 'new_password':
        return renderNewPassword(ctx, deps, details);
      case 'link_legacy':
        return renderLinkLegacy(ctx, deps, details);
      case 'consent':
        // First-party portals never show a consent page, even when a portal sends prompt=consent.
        if (isFirstParty(deps, details.params.client_id) && details.session?.accountId) return grantConsent(ctx, deps, details);
        return renderConsent(ctx, deps, details);
      default:
        ctx.throw(500, `no page for prompt ${details.prompt.name}`);
    }
  });

  signInRoutes(router, deps);
  passkeySignInRoutes(router, deps);
  consentRoutes(router, deps);
  registerRoutes(router, deps);
  invitationRoutes(router, deps);
  orgInvitationRoutes(router, deps);
  verifyEmailRoutes(router, deps);
  accountRoutes(router, deps);
  orgAdminRoutes(router, deps);
  consoleRoutes(router, deps);
  legalRoutes(router, deps);
  secondStepRoutes(router, deps);
  lockedRoutes(router, deps);
  recoverRoutes(router, deps);
  termsRoutes(router, deps);
  newPasswordStepRoutes(router, deps);
  linkLegacyRoutes(router, deps);
  abortRoutes(router, deps);
  homeRoutes(router, deps);
  return router;
}
