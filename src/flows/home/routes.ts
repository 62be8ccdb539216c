import type Router from '@koa/router';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';

/**
 * The front door at `/`: what the service is, and the ways in that need no portal (the
 * account page, recovery) and where to find help. A person who typed the issuer's address
 * lands here rather than on a bare "Not Found".
 */
export function homeRoutes(router: Router, deps: FlowDeps): void {
  const { lockout, registration } = deps.config.policy;
  const helpDesk = { text: lockout.help_desk, translations: lockout.help_desk_translations };
  router.get('/', (ctx) =>
    sendPage(ctx, deps.renderer, 'home', { helpUrl: deps.config.helpUrl ?? '#help', helpDesk, termsUrl: registration.terms.terms_url, privacyUrl: registration.terms.privacy_url }),
  );
}
