import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ownsAddress } from '../../identity/organizations/invitation-link.js';
import type { InvitationLinkView } from '../../identity/organizations/invitations.js';
import { msg } from '../../i18n/index.js';
import { GoTo } from '../../web/page-errors.js';
import { accountSignInUrl } from '../account/account-sign-in.js';
import { accountBinding, accountSignedIn } from '../account/place.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { renderRegister, type RegisterPlace } from '../register/page.js';
import { submitRegistration } from '../register/routes.js';
import { browserBinding } from '../standalone-form.js';
import { requestOrigin } from '../verify-email/context.js';
import { problemOf, renderGone, renderInvitation, renderJoined, type LinkProblem } from './page.js';
import { invitationReturn } from './returns.js';

/*
 * The page an organisation invitation's link opens (/org/invitation?token=...). The token
 * stays in the query and in the forms' hidden field (request logs keep paths, never query
 * strings or bodies); only a sign-in round trip carries it in its short pending cookie
 * (returns.ts). A signed-in ID joins by confirming; anyone else signs in first, or creates an
 * ID with the invited address filled in, which the link proves (identity/registration/invited.ts).
 */

const REGISTER_BINDING = 'org-invitation-register';
const tokenForm = z.object({ token: z.string().max(200).catch('') });
const tokenOf = (source: unknown) => tokenForm.parse(source && typeof source === 'object' ? source : {}).token;

/** The pending invitation the token names; any other answers its page and is undefined. */
async function openLink(ctx: Context, deps: FlowDeps, token: string): Promise<InvitationLinkView | undefined> {
  const invitation = await deps.identity.organizations.findInvitation(token);
  const problem = problemOf(invitation);
  if (!problem) return invitation;
  renderGone(ctx, deps, problem, invitation);
  return undefined;
}

async function show(ctx: Context, deps: FlowDeps, token: string, invitation: InvitationLinkView, status = 200): Promise<void> {
  const signed = await accountSignedIn(ctx, deps);
  const signedIn = signed && {
    username: signed.account.username,
    email: signed.account.email,
    mayJoin: ownsAddress(signed.account, invitation.email),
    csrf: deps.csrf.token(accountBinding(signed.account.id)),
  };
  renderInvitation(ctx, deps, { token, invitation, signedIn }, status);
}

/** Signs in through the account pages' sign-in (second step as the policy asks) and comes back here. */
async function signIn(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf(ctx.query);
  if (!(await openLink(ctx, deps, token))) return;
  // Signed in already (as another ID, or the page would offer to join): ask who again.
  const again: Record<string, string> = (await accountSignedIn(ctx, deps)) ? { prompt: 'login' } : {};
  throw new GoTo(accountSignInUrl(ctx, deps, invitationReturn(token), again));
}

async function join(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf(ctx.request.body);
  const invitation = await openLink(ctx, deps, token);
  if (!invitation) return;
  const signed = await accountSignedIn(ctx, deps);
  if (!signed) throw new GoTo(accountSignInUrl(ctx, deps, invitationReturn(token)));
  requireForm(ctx, deps, accountBinding(signed.account.id), msg('standalone.csrf.body'));
  const outcome = await deps.identity.organizations.joinByLink(token, signed.account, requestOrigin(ctx));
  if (outcome.ok) return renderJoined(ctx, deps, invitation.organizationName, true);
  if (outcome.reason === 'other_address') return show(ctx, deps, token, invitation, 403);
  // Used, cancelled or expired between the page and the click; a pending answer here means its organisation is no longer approved.
  const problem: LinkProblem = outcome.reason === 'not_found' || outcome.reason === 'pending' ? 'unknown' : outcome.reason;
  renderGone(ctx, deps, problem, invitation);
}

function registerPlace(ctx: Context, deps: FlowDeps, token: string, invitation: InvitationLinkView): RegisterPlace {
  return {
    action: '/org/invitation/register',
    csrf: deps.csrf.token(browserBinding(ctx, REGISTER_BINDING)),
    signInUrl: `/org/invitation/sign-in?token=${encodeURIComponent(token)}`,
    hidden: { token },
    invitedTo: invitation.organizationName,
  };
}

async function showRegister(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf(ctx.query);
  const invitation = await openLink(ctx, deps, token);
  if (invitation) renderRegister(ctx, deps, registerPlace(ctx, deps, token, invitation), { values: { email: invitation.email } });
}

async function register(ctx: Context, deps: FlowDeps): Promise<void> {
  requireForm(ctx, deps, browserBinding(ctx, REGISTER_BINDING), msg('standalone.csrf.body'));
  const token = tokenOf(ctx.request.body);
  const invitation = await openLink(ctx, deps, token);
  if (!invitation) return;
  const done = await submitRegistration(ctx, deps, registerPlace(ctx, deps, token, invitation), { invitationToken: token });
  if (done) renderJoined(ctx, deps, invitation.organizationName, false);
}

export function orgInvitationRoutes(router: Router, deps: FlowDeps): void {
  router.get('/org/invitation', async (ctx) => {
    const token = tokenOf(ctx.query);
    const invitation = await openLink(ctx, deps, token);
    if (invitation) await show(ctx, deps, token, invitation);
  });
  router.post('/org/invitation', (ctx) => join(ctx, deps));
  router.get('/org/invitation/sign-in', (ctx) => signIn(ctx, deps));
  router.get('/org/invitation/register', (ctx) => showRegister(ctx, deps));
  router.post('/org/invitation/register', (ctx) => register(ctx, deps));
}
