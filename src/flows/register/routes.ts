import type Router from '@koa/router';
import type { Context } from 'koa';
import { msg } from '../../i18n/index.js';
import { GoTo, PageError } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { clientName, interactionOf, requireForm, type InteractionDetails } from '../interaction.js';
import { REGISTRATION_FLOOR_MS, startFloor } from '../response-floor.js';
import { browserBinding } from '../standalone-form.js';
import { mailLinks, verificationRequest } from '../verify-email/context.js';
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
 * waiting page, the registration's `verify_email` (identity/flows/registration.md). A taken
 * email answers exactly like success (identity/registration). With an invitation's token and
 * its address kept, the ID is verified and joined already: the organisation's id comes back
 * for the invitation's page to say so. A refused form is shown again, and nothing comes back.
 */
export async function submitRegistration(ctx: Context, deps: FlowDeps, place: RegisterPlace, from: { details?: InteractionDetails; invitationToken?: string } = {}): Promise<{ joined: string } | undefined> {
  const { details } = from;
  const input = readRegistrationForm(ctx.request.body);
  await deps.limits.attempt('registration', ctx.ip, input.email);
  const floor = startFloor(REGISTRATION_FLOOR_MS);
  const outcome = await deps.identity.registration.register(input, verificationRequest(ctx, deps, details?.params.client_id), details?.uid, from.invitationToken);
  // The plan's verifier did not answer: nothing was made, and the form cannot say more.
  if (!outcome.ok && 'unavailable' in outcome) throw new PageError(503, msg('idcheck.unavailable_title'), msg('idcheck.unavailable'));
  if (!outcome.ok) {
    renderRegister(ctx, deps, place, { values: keptValues(input), errors: outcome.errors }, 400);
    return undefined;
  }
  // A new address and one that already has an ID (mailed its owner instead) answer alike.
  await floor();
  if ('joined' in outcome) return { joined: outcome.joined };
  setFlowCookie(ctx, deps, outcome.flowId);
  throw new GoTo(details ? `/interaction/${details.uid}/verify-email` : '/verify-email');
}

/** A registration started from a portal's sign-in page must still be at the login step. */
async function loginInteraction(ctx: Context, deps: FlowDeps): Promise<InteractionDetails> {
  const details = await interactionOf(ctx, deps);
  if (details.prompt.name !== 'login') throw new GoTo(`/interaction/${details.uid}`);
  return details;
}

/** "Create an ID": on its own at /register, or from a portal's sign-in page (whose posts the router checked). */
export function registerRoutes(router: Router, deps: FlowDeps): void {
  router.get('/register', (ctx) => renderRegister(ctx, deps, standalonePlace(ctx, deps)));
  router.post('/register', async (ctx) => {
    const place = standalonePlace(ctx, deps);
    requireForm(ctx, deps, browserBinding(ctx, STANDALONE_BINDING), msg('standalone.csrf.body'));
    await submitRegistration(ctx, deps, place);
  });

  router.get('/interaction/:uid/register', async (ctx) => renderRegister(ctx, deps, interactionPlace(deps, await loginInteraction(ctx, deps))));
  router.post('/interaction/:uid/register', async (ctx) => {
    const details = await loginInteraction(ctx, deps);
    await submitRegistration(ctx, deps, interactionPlace(deps, details), { details });
  });
}
