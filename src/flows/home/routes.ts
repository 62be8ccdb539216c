import type Router from '@koa/router';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { currentBrand } from '../../notify/brand-context.js';

/**
 * The front door at `/`: what the service is, and the ways in that need no portal (the
 * account page, recovery) and where to find help. A person who typed the issuer's address
 * lands here rather than on a bare "Not Found".
 */
export function homeRoutes(router: Router, deps: FlowDeps): void {
  const { lockout, registration } = deps.config.policy;
  const helpDesk = { text: lockout.help_desk, translations: lockout.help_desk_translations };
  // The instance's help desk (the policy's branding): its page if it has one, else the words here.
  router.get('/', (ctx) =>
    sendPage(ctx, deps.renderer, 'home', { helpUrl: currentBrand().support?.url ?? '#help', helpDesk, termsUrl: registration.terms.terms_url, privacyUrl: registration.terms.privacy_url }),
  );
}
