import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import type { SignInFlow, SignInState } from '../../identity/flows/sign-in.js';
import { ACR } from '../../identity/second-step/assurance.js';
import type { MethodStep, SecondStepMethod } from '../../methods/index.js';
import { secondStepDemanded } from '../../oidc/second-step-demand.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { isFirstParty } from '../first-party.js';
import { finishInteraction, interactionOf, type InteractionDetails } from '../interaction.js';
import { renderLocked, type LockedMessages } from '../locked/page.js';
import { readDeviceToken } from '../second-step/device-cookie.js';
import { startSignInVerification } from '../verify-email/after-sign-in.js';

/*
 * The sign-in flow's pages (identity/flows/sign-in.md): each handler turns what the person did
 * into an event, and this module moves the flow and answers with the page of its new state.
 * No other module decides where a sign-in goes next.
 */

/** This sign-in at one state: what a second-step method sees (uid, account, origin) and more. */
export interface SignInPlace extends MethodStep {
  details: InteractionDetails;
  flow: SignInFlow;
}

export const interactionUrl = (uid: string) => `/interaction/${uid}`;
export const methodUrl = (uid: string, method: SecondStepMethod) => `/interaction/${uid}/${method.path}`;
export const enrolUrl = (uid: string, method: SecondStepMethod) => `/interaction/${uid}/${method.enrol!.path}`;

export function originOf(ctx: Context, details: InteractionDetails) {
  return { clientId: typeof details.params.client_id === 'string' ? details.params.client_id : undefined, ip: ctx.ip, userAgent: ctx.get('user-agent') };
}

/**
 * The interaction's sign-in at `state`. Anywhere else (expired, a jump ahead, a replayed form)
 * the browser goes to the interaction's start, which shows the step the interaction is at.
 */
export async function signInAt(ctx: Context, deps: FlowDeps, state: SignInState, details?: InteractionDetails): Promise<SignInPlace> {
  const at = details ?? (await interactionOf(ctx, deps));
  const found = await deps.identity.signIn.find(at.uid);
  if (!found?.account || found.flow.state !== state) throw new GoTo(interactionUrl(at.uid));
  return { uid: at.uid, details: at, flow: found.flow, account: found.account, origin: originOf(ctx, at) };
}

/**
 * The end of the sign-in chain: `login` is resolved only now. A first-party portal's consent is
 * resolved with it: it would be granted without a page anyway (flows/router.ts), and
 * oidc-provider counts a prompt as done once the result names it (OIDCContext.promptPending).
 */
async function finish(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string, amr: string[], acr: string): Promise<void> {
  const origin = originOf(ctx, details);
  await deps.identity.signIn.completed(accountId, amr, acr, origin);
  await finishInteraction(ctx, details, { login: { accountId, amr, acr }, ...(isFirstParty(deps, origin.clientId) ? { consent: {} } : {}) });
}

/**
 * After a right password: an unverified address goes to verification; a remembered device
 * finishes, unless the portal demands a second step; everyone else goes to the first method
 * the policy offers this account, which starts there (the emailed code is mailed by this POST;
 * its page's GET never mails).
 */
export async function passwordAccepted(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<void> {
  const { signIn } = deps.identity;
  if (account.email_verified_at === null) {
    await signIn.start(details.uid, 'email_unverified', account.id, { amr: ['pwd'] });
    return startSignInVerification(ctx, deps, details, account);
  }
  const demanded = secondStepDemanded(deps.config, details.params.client_id, details.params.acr_values);
  if (!demanded && (await signIn.isTrustedDevice(account.id, readDeviceToken(ctx)))) {
    return finish(ctx, deps, details, account.id, ['pwd'], ACR.trustedDevice);
  }
  const offered = await deps.methods.offered(account);
  const first = offered[0]!;
  const due = await deps.methods.enrolmentDue(account, offered);
  await signIn.start(details.uid, 'password_ok', account.id, { amr: ['pwd'], offered: offered.map((m) => m.id), mustEnrol: due?.id ?? null });
  await deps.methods.of(first).start({ uid: details.uid, account, origin: originOf(ctx, details) });
  throw new GoTo(methodUrl(details.uid, first));
}

/** The method this sign-in must set up before it ends (known since its second step began, else asked now). */
async function enrolmentDue(deps: FlowDeps, place: SignInPlace): Promise<SecondStepMethod | undefined> {
  const { mustEnrol } = place.flow.data;
  if (mustEnrol === undefined) return deps.methods.enrolmentDue(place.account, []);
  return mustEnrol === null ? undefined : deps.methods.byId(mustEnrol);
}

/**
 * A proof after the password succeeded (a method, or the verified address): a method the
 * policy requires and the account lacks is set up first, else the sign-in is done.
 */
export async function proved(ctx: Context, deps: FlowDeps, place: SignInPlace, amr: string[], acr: string): Promise<void> {
  const { signIn } = deps.identity;
  const due = await enrolmentDue(deps, place);
  if (due) {
    if (!(await signIn.move(place.flow, 'must_enrol', amr, due.id))) throw new GoTo(interactionUrl(place.uid));
    throw new GoTo(enrolUrl(place.uid, due));
  }
  if (!(await signIn.move(place.flow, 'verified', amr))) throw new GoTo(interactionUrl(place.uid));
  await finish(ctx, deps, place.details, place.account.id, amr, acr);
}

/** Security questions set at the enrol step: the sign-in is done with what it proved. */
export async function enrolled(ctx: Context, deps: FlowDeps, place: SignInPlace): Promise<void> {
  if (!(await deps.identity.signIn.move(place.flow, 'enrolled'))) throw new GoTo(interactionUrl(place.uid));
  await finish(ctx, deps, place.details, place.account.id, place.flow.data.amr, ACR.secondStep);
}

/**
 * The account locked (or a made-up name's decoy counter ran out): the flow keeps which account
 * it is about, so the locked page's "send email" needs nothing from the browser but its form.
 */
export async function locked(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account | undefined, from?: SignInFlow): Promise<void> {
  const { signIn } = deps.identity;
  if (from) await signIn.move(from, 'locked');
  else await signIn.start(details.uid, 'locked', account?.id ?? null, { amr: [] });
  // Read again: the attempt that locked it has just written why (the page's unlock route).
  renderLocked(ctx, deps, details, account && (await signIn.account(account.id)));
}

export type { LockedMessages };
