import type { Context } from 'koa';
import { ACR } from '../../identity/second-step/assurance.js';
import { interactionUrl, originOf, proved } from '../sign-in/flow.js';
import type { VerificationFlow } from '../../identity/flows/verification.js';
import type { FlowDeps } from '../deps.js';
import { interactionOf, requireForm, type InteractionDetails } from '../interaction.js';
import { clearFlowCookie, readFlowCookie } from './flow-cookie.js';
import { renderDone, type WaitingPage } from './page.js';
import { msg } from '../../i18n/index.js';
import { GoTo, PageError } from '../../web/page-errors.js';

/** The browser's verification flow, and whether it runs inside a portal's authorization. */
export interface VerifyPlace extends WaitingPage {
  flowId: string;
  flow: VerificationFlow;
  details?: InteractionDetails;
}

/** Loads the flow the cookie names (and the interaction, under /interaction/:uid), or throws the page that says it expired. */
export async function openPlace(ctx: Context, deps: FlowDeps): Promise<VerifyPlace> {
  const details = ctx.params.uid ? await interactionOf(ctx, deps) : undefined;
  const flowId = readFlowCookie(ctx);
  const flow = await deps.identity.registration.findVerification(flowId);
  if (!flowId || !flow || (details && flow.data.interactionUid !== details.uid)) {
    throw new PageError(400, msg('verify.expired.title'), msg(details ? 'verify.expired.portal' : 'verify.expired.alone'));
  }
  return {
    flowId,
    flow,
    details,
    base: details ? `/interaction/${details.uid}/verify-email` : '/verify-email',
    csrf: deps.csrf.token(details ? `interaction:${details.uid}` : `verify:${flowId}`),
    destination: flow.data.destination,
  };
}

/** A form of the waiting page; one inside an interaction was checked by the router already. */
export async function openPlacePost(ctx: Context, deps: FlowDeps): Promise<VerifyPlace> {
  const place = await openPlace(ctx, deps);
  if (!place.details) requireForm(ctx, deps, `verify:${place.flowId}`, msg('standalone.csrf.body'));
  return place;
}

/**
 * The address is verified and this browser's flow ends. A sign-in that found the address
 * unverified goes on from its `verify_email`; a registration goes where its machine says:
 * "Your ID is ready" outside a portal, or into the portal's sign-in (the person set the
 * password a moment ago, in this browser). The emailed code or link proved the address after
 * the password: a second step (RFC 8176 otp). Security questions are set only now, once the
 * address is proved (the enrol step).
 */
export async function completeVerification(ctx: Context, deps: FlowDeps, place: VerifyPlace, accountId: string): Promise<void> {
  clearFlowCookie(ctx);
  const { registration, signIn } = deps.identity;
  const ended = await registration.verified(place.flow);
  const { details } = place;
  const found = details && (await signIn.find(details.uid));
  const signingIn = found?.flow.state === 'verify_email' ? found.flow : undefined;
  const next = signingIn ? 'sign_in' : registration.afterVerification(Boolean(details));
  // Only a portal's sign-in goes on (`details` is there then). A request that lost the race to
  // end the flow outside a portal says the same "ready": the address is proved either way.
  if (next === 'done' || !details) return renderDone(ctx, deps, accountId);
  if (!ended) throw new GoTo(interactionUrl(details.uid));
  const account = found?.account ?? (await signIn.account(accountId));
  if (!account || account.id !== accountId) throw new GoTo(interactionUrl(details.uid));
  const flow = signingIn ?? (await signIn.start(details.uid, 'email_unverified', accountId, { amr: ['pwd'] }));
  await proved(ctx, deps, { uid: details.uid, details, flow, account, origin: originOf(ctx, details) }, ['pwd', 'otp'], ACR.secondStep);
}
