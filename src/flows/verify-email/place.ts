import type { Context } from 'koa';
import { ACR } from '../../identity/second-step/assurance.js';
import { originOf, proved } from '../sign-in/flow.js';
import { findAccountById } from '../../identity/accounts.js';
import { findFlow, type VerificationFlow } from '../../identity/registration/verification-flow.js';
import type { FlowDeps } from '../deps.js';
import { checkFormPost, loadInteraction, sendError, type InteractionDetails } from '../interaction.js';
import { checkStandalonePost } from '../standalone-form.js';
import { clearFlowCookie, readFlowCookie } from './flow-cookie.js';
import { renderDone, type WaitingPage } from './page.js';
import { msg } from '../../i18n/index.js';
import { GoTo } from '../../web/page-errors.js';

/** The browser's verification flow, and whether it runs inside a portal's authorization. */
export interface VerifyPlace extends WaitingPage {
  flowId: string;
  flow: VerificationFlow;
  details?: InteractionDetails;
}

function sendFlowMissing(ctx: Context, deps: FlowDeps, inInteraction: boolean): void {
  sendError(ctx, deps, 400, msg('verify.expired.title'), msg(inInteraction ? 'verify.expired.portal' : 'verify.expired.alone'));
}

/** Loads the flow the cookie names (and the interaction, under /interaction/:uid); answers itself when it cannot. */
export async function openPlace(ctx: Context, deps: FlowDeps): Promise<VerifyPlace | undefined> {
  let details: InteractionDetails | undefined;
  if (ctx.params.uid) {
    details = await loadInteraction(ctx, deps);
    if (!details) return undefined;
  }
  const flowId = readFlowCookie(ctx);
  const flow = flowId ? await findFlow(deps.db, flowId) : undefined;
  if (!flowId || !flow || (details && flow.interaction_uid !== details.uid)) {
    sendFlowMissing(ctx, deps, Boolean(details));
    return undefined;
  }
  return {
    flowId,
    flow,
    details,
    base: details ? `/interaction/${details.uid}/verify-email` : '/verify-email',
    csrf: deps.csrf.token(details ? `interaction:${details.uid}` : `verify:${flowId}`),
    destination: flow.destination,
  };
}

export function checkPlacePost(ctx: Context, deps: FlowDeps, place: VerifyPlace): boolean {
  return place.details ? checkFormPost(ctx, deps, place.details.uid) : checkStandalonePost(ctx, deps, `verify:${place.flowId}`);
}

/** True when the flow's account has verified its address (by the code, or the link elsewhere). */
export async function isVerified(deps: FlowDeps, flow: VerificationFlow): Promise<boolean> {
  if (!flow.account_id) return false;
  const account = await findAccountById(deps.db, flow.account_id);
  return Boolean(account?.email_verified_at);
}

/**
 * The address is verified: back to the portal signed in (the person proved the password when
 * creating the ID or signing in, in this browser), or "Your ID is ready" outside a portal.
 * Security questions are set only now, once the address is proved (the enrol step).
 */
export async function completeVerification(ctx: Context, deps: FlowDeps, place: VerifyPlace, accountId: string): Promise<void> {
  clearFlowCookie(ctx);
  if (!place.details) return renderDone(ctx, deps);
  // The emailed code or link just proved the address, after the password: a second step (RFC 8176 otp).
  // A sign-in that found the address unverified waits at `verify_email`; an ID created from the
  // portal's page has no sign-in record yet, and its password was set a moment ago.
  const { signIn } = deps.identity;
  const { details } = place;
  const found = await signIn.find(details.uid);
  const account = found?.account ?? (await findAccountById(deps.db, accountId));
  if (!account || account.id !== accountId) throw new GoTo(`/interaction/${details.uid}`);
  const flow = found?.flow.state === 'verify_email' ? found.flow : await signIn.start(details.uid, 'email_unverified', accountId, { amr: ['pwd'] });
  await proved(ctx, deps, { uid: details.uid, details, flow, account, origin: originOf(ctx, details) }, ['pwd', 'otp'], ACR.secondStep);
}
