import type Router from '@koa/router';
import { sendPage } from '../web/render.js';
import type { FlowDeps } from './deps.js';
import { clientName, finishInteraction, interactionOf } from './interaction.js';

/**
 * "Cancel and return to the portal". Refusing ends the interaction with access_denied (OIDC
 * Core §3.1.2.6), a change of state, so only a POST with the interaction's CSRF token does it;
 * the GET that every page links to shows a confirmation with that form (RFC 9110 §9.2.1: GET is
 * safe; a prefetch or a link in a mail must not cancel anyone's sign-in). No JavaScript needed.
 */
export function abortRoutes(router: Router, deps: FlowDeps): void {
  router.get('/interaction/:uid/abort', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    sendPage(ctx, deps.renderer, 'abort', {
      action: `/interaction/${details.uid}/abort`,
      backUrl: `/interaction/${details.uid}`,
      csrf: deps.csrf.token(`interaction:${details.uid}`),
      clientName: clientName(deps, details.params.client_id),
    });
  });
  router.post('/interaction/:uid/abort', async (ctx) => {
    // The form's token was checked by the router, as for every form under an interaction.
    const details = await interactionOf(ctx, deps);
    await finishInteraction(ctx, details, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' });
  });
}
