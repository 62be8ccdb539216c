import type Router from '@koa/router';
import type { Context } from 'koa';
import { registerAccount } from '../../identity/registration/register-account.js';
import type { FlowDeps } from '../deps.js';
import { checkFormPost, clientName, loadInteraction, type InteractionDetails } from '../interaction.js';
import { REGISTRATION_FLOOR_MS, startFloor } from '../response-floor.js';
import { browserBinding, checkStandalonePost } from '../standalone-form.js';
import { mailLinks, requestOrigin } from '../verify-email/context.js';
import { setFlowCookie } from '../verify-email/flow-cookie.js';
import { keptValues, readRegistrationForm } from './form.js';
import { renderRegister, type RegisterPlace } from './page.js';

const STANDALONE_BINDING = 'register';

function standalonePlace(ctx: Context, deps: FlowDeps): RegisterPlace {
  return {
    action: '/register',
    csrf: deps.csrf.token(browserBinding(ctx, STANDALONE_BINDING)),
    signInUrl: mailLinks(deps.config.issuer).signInUrl,
  };
}

function interactionPlace(deps: FlowDeps, details: InteractionDetails): RegisterPlace {
  return {
    action: `/interaction/${details.uid}/register`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    signInUrl: `/interaction/${details.uid}`,
    cancelUrl: `/interaction/${details.uid}/abort`,
    clientName: clientName(deps, details.params.client_id),
  };
}

/**
 * Validates and registers; on success the browser holds the verification flow and goes to the
 * waiting page. A taken email answers exactly like success (identity/registration).
 */
async function submit(ctx: Context, deps: FlowDeps, place: RegisterPlace, details?: InteractionDetails): Promise<void> {
  const { policy } = deps.config;
  const input = readRegistrationForm(ctx.request.body);
  await deps.limits.attempt('registration', ctx.ip, input.email);
  const floor = startFloor(REGISTRATION_FLOOR_MS);
  const outcome = await registerAccount(deps.db, deps.hasher, input, {
    policy,
    links: mailLinks(deps.config.issuer),
    origin: requestOrigin(ctx, details?.params.client_id),
    interactionUid: details?.uid,
  });
  if (!outcome.ok) return renderRegister(ctx, deps, place, { values: keptValues(input), errors: outcome.errors }, 400);
  // A new address and one that already has an ID (mailed its owner instead) answer alike.
  await floor();
  setFlowCookie(ctx, deps, outcome.flowId);
  ctx.status = 303;
  ctx.redirect(details ? `/interaction/${details.uid}/verify-email` : '/verify-email');
}

/** A registration started from a portal's sign-in page must still be at the login step. */
async function loadLoginInteraction(ctx: Context, deps: FlowDeps): Promise<InteractionDetails | undefined> {
  const details = await loadInteraction(ctx, deps);
  if (!details) return undefined;
  if (details.prompt.name === 'login') return details;
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}`);
  return undefined;
}

/** "Create an ID": on its own at /register, or from a portal's sign-in page. */
export function registerRoutes(router: Router, deps: FlowDeps): void {
  router.get('/register', (ctx) => renderRegister(ctx, deps, standalonePlace(ctx, deps)));
  router.post('/register', async (ctx) => {
    const place = standalonePlace(ctx, deps);
    if (!checkStandalonePost(ctx, deps, browserBinding(ctx, STANDALONE_BINDING))) return;
    await submit(ctx, deps, place);
  });

  router.get('/interaction/:uid/register', async (ctx) => {
    const details = await loadLoginInteraction(ctx, deps);
    if (details) renderRegister(ctx, deps, interactionPlace(deps, details));
  });
  router.post('/interaction/:uid/register', async (ctx) => {
    const details = await loadLoginInteraction(ctx, deps);
    if (!details || !checkFormPost(ctx, deps, details.uid)) return;
    await submit(ctx, deps, interactionPlace(deps, details), details);
  });
}
