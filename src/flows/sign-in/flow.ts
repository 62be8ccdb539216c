import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import type { SignInFlow, SignInState } from '../../identity/flows/sign-in.js';
import { ACR, acrRank, meetsAcr, type Acr } from '../../identity/second-step/assurance.js';
import type { MethodStep, SecondStepMethod } from '../../methods/index.js';
import { acrDemand, statedAcr, type AcrDemand } from '../../oidc/acr-demand.js';
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
export const passkeySignInUrl = (uid: string) => `/interaction/${uid}/login/passkey`;
export const methodUrl = (uid: string, method: SecondStepMethod) => `/interaction/${uid}/${method.path}`;
export const enrolUrl = (uid: string, method: SecondStepMethod) => `/interaction/${uid}/${method.enrol!.path}`;
export const againUrl = (uid: string, method: SecondStepMethod) => `/interaction/${uid}/${method.again!.path}`;

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

/** The level this authorization demands (the portal's minimum_acr, require_second_step, acr_values). */
const demandOf = (deps: FlowDeps, details: InteractionDetails): AcrDemand => acrDemand(deps.config, details.params.client_id, details.params.acr_values);

/**
 * The end of the sign-in chain: `login` is resolved only now, with the acr the portal is told
 * for the level `reached` (statedAcr). A first-party portal's consent is
 * resolved with it: it would be granted without a page anyway (flows/router.ts), and
 * oidc-provider counts a prompt as done once the result names it (OIDCContext.promptPending).
 */
async function finish(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string, amr: string[], reached: Acr): Promise<void> {
  const origin = originOf(ctx, details);
  const acr = statedAcr(reached, demandOf(deps, details));
  await deps.identity.signIn.completed(accountId, amr, reached, origin);
  await finishInteraction(ctx, details, { login: { accountId, amr, acr }, ...(isFirstParty(deps, origin.clientId) ? { consent: {} } : {}) });
}

/**
 * The portal demands a level no method of this policy can reach (passkeys not offered, say):
 * the portal is told so (OpenID Connect Unmet Authentication Requirements), not a page.
 */
async function unmet(ctx: Context, details: InteractionDetails, level: Acr): Promise<void> {
  await finishInteraction(ctx, details, { error: 'unmet_authentication_requirements', error_description: `no sign-in method reaches ${level}` });
}

/**
 * After a right password: an unverified address goes to verification; a remembered device
 * finishes, unless the portal demands more than a password; everyone else goes to the first
 * method the policy offers this account at the demanded level, which starts there (the
 * emailed code is mailed by this POST; its page's GET never mails). An account with no method
 * at that level proves itself with the ones it has, then sets up one that reaches it: setting
 * up a stronger method on the password alone would let a stolen password choose the device.
 */
export async function passwordAccepted(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<void> {
  const { signIn } = deps.identity;
  if (account.email_verified_at === null) {
    await signIn.start(details.uid, 'email_unverified', account.id, { amr: ['pwd'] });
    return startSignInVerification(ctx, deps, details, account);
  }
  const demand = demandOf(deps, details);
  if (meetsAcr(ACR.trustedDevice, demand.level) && (await signIn.isTrustedDevice(account.id, readDeviceToken(ctx)))) {
    return finish(ctx, deps, details, account.id, ['pwd'], ACR.trustedDevice);
  }
  const usable = await deps.methods.offered(account);
  const strong = usable.filter((m) => meetsAcr(m.acr, demand.level));
  const offered = strong.length > 0 ? strong : usable;
  const first = offered[0]!;
  const due = strong.length > 0 ? await deps.methods.enrolmentDue(account, offered) : deps.methods.enrolmentReaching(demand.level!, account);
  if (!due && strong.length === 0) return unmet(ctx, details, demand.level!);
  await signIn.start(details.uid, 'password_ok', account.id, { amr: ['pwd'], offered: offered.map((m) => m.id), mustEnrol: due?.id ?? null });
  await deps.methods.of(first).start({ uid: details.uid, account, origin: originOf(ctx, details) });
  throw new GoTo(methodUrl(details.uid, first));
}

/**
 * A passkey with user verification stood for the whole sign-in (no password, no second step):
 * it reaches the phishing-resistant level, the highest, so no portal's demand asks for more.
 * Only a method the policy requires every account to have is set up first, as after a second
 * step; the prompts after the sign-in (terms, a new password) follow as they always do.
 */
export async function passkeyAccepted(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account, amr: string[]): Promise<void> {
  const due = await deps.methods.enrolmentDue(account, []);
  if (!due) return finish(ctx, deps, details, account.id, amr, ACR.phishingResistant);
  await deps.identity.signIn.start(details.uid, 'passkey_must_enrol', account.id, { amr, mustEnrol: due.id, acr: ACR.phishingResistant });
  throw new GoTo(enrolUrl(details.uid, due));
}

/**
 * The method this sign-in must set up before it ends (known since its second step began, else
 * asked now: one reaching the demanded level, or one the policy requires); `unmet` when the
 * level `reached` falls short and no method can make up for it.
 */
async function enrolmentDue(deps: FlowDeps, place: SignInPlace, reached: Acr): Promise<SecondStepMethod | 'unmet' | undefined> {
  const { mustEnrol } = place.flow.data;
  if (mustEnrol !== undefined) return mustEnrol === null ? undefined : deps.methods.byId(mustEnrol);
  const { level } = demandOf(deps, place.details);
  if (!meetsAcr(reached, level)) return deps.methods.enrolmentReaching(level!, place.account) ?? 'unmet';
  return deps.methods.enrolmentDue(place.account, []);
}

/**
 * A proof after the password succeeded (a method, or the verified address), which reached
 * `acr`: a proof that stood in for a method's device (`again`: a recovery code for the app)
 * first offers setting that method up again; then a method the sign-in must set up; else the
 * sign-in is done.
 */
export async function proved(ctx: Context, deps: FlowDeps, place: SignInPlace, amr: string[], acr: Acr, again?: SecondStepMethod): Promise<void> {
  const { signIn } = deps.identity;
  const due = await enrolmentDue(deps, place, acr);
  if (due === 'unmet') return unmet(ctx, place.details, demandOf(deps, place.details).level!);
  if (again?.again) {
    if (!(await signIn.move(place.flow, 'recovery_code', { amr, acr, mustEnrol: due?.id ?? null, setUpAgain: again.id }))) throw new GoTo(interactionUrl(place.uid));
    throw new GoTo(againUrl(place.uid, again));
  }
  if (due) {
    if (!(await signIn.move(place.flow, 'must_enrol', { amr, mustEnrol: due.id, acr }))) throw new GoTo(interactionUrl(place.uid));
    throw new GoTo(enrolUrl(place.uid, due));
  }
  if (!(await signIn.move(place.flow, 'verified', { amr }))) throw new GoTo(interactionUrl(place.uid));
  await finish(ctx, deps, place.details, place.account.id, amr, acr);
}

/**
 * The set-up-again step is over, the method `replaced` or put off (`not_now`): a method the
 * sign-in must still set up comes next, else it is done with what the second step proved.
 */
export async function setUpAgainDone(ctx: Context, deps: FlowDeps, place: SignInPlace, event: 'replaced' | 'not_now'): Promise<void> {
  const { signIn } = deps.identity;
  const { amr, mustEnrol, acr = ACR.secondStep } = place.flow.data;
  const due = mustEnrol ? deps.methods.byId(mustEnrol) : undefined;
  if (due) {
    if (!(await signIn.move(place.flow, 'must_enrol'))) throw new GoTo(interactionUrl(place.uid));
    throw new GoTo(enrolUrl(place.uid, due));
  }
  if (!(await signIn.move(place.flow, event))) throw new GoTo(interactionUrl(place.uid));
  await finish(ctx, deps, place.details, place.account.id, amr, acr);
}

/**
 * A method set up at the enrol step: the sign-in is done with what it proved before (a flow
 * from before levels were kept: second-step). Setting up a method stronger than a second step
 * proves it (the app's code, a passkey's signature), so the sign-in reaches its level and its
 * amr; security questions prove nothing new.
 */
export async function enrolled(ctx: Context, deps: FlowDeps, place: SignInPlace): Promise<void> {
  if (!(await deps.identity.signIn.move(place.flow, 'enrolled'))) throw new GoTo(interactionUrl(place.uid));
  const { amr, mustEnrol, acr = ACR.secondStep } = place.flow.data;
  const method = mustEnrol ? deps.methods.byId(mustEnrol) : undefined;
  if (!method || acrRank(method.acr) <= acrRank(acr)) return finish(ctx, deps, place.details, place.account.id, amr, acr);
  await finish(ctx, deps, place.details, place.account.id, [...new Set([...amr, method.amr])], method.acr);
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
