import type Router from '@koa/router';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';

/**
 * The terms of use and privacy notice the registration form links to by default
 * (registration.terms.terms_url / privacy_url in the policy file). Operators either replace
 * views/terms.eta and views/privacy.eta or point those settings at their own pages.
 */
export function legalRoutes(router: Router, deps: FlowDeps): void {
  const { version } = deps.config.policy.registration.terms;
  router.get('/terms', (ctx) => sendPage(ctx, deps.renderer, 'terms', { version }));
  router.get('/privacy', (ctx) => sendPage(ctx, deps.renderer, 'privacy', { version }));
}
