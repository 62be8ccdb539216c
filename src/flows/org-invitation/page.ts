import type { Context } from 'koa';
import type { InvitationLinkView } from '../../identity/organizations/invitations.js';
import { msg } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';

/** Why a link does not open an invitation: never sent (or replaced by a resend), or no longer pending. */
export type LinkProblem = 'unknown' | 'expired' | 'cancelled' | 'accepted';

const roleWord = (role: string) => msg(role === 'admin' ? 'org.role.admin' : 'org.role.member');

const GONE: Record<LinkProblem, { title: string; text: string }> = {
  unknown: { title: 'orginvite.gone.unknown_title', text: 'orginvite.gone.unknown' },
  expired: { title: 'orginvite.gone.expired_title', text: 'orginvite.gone.expired' },
  cancelled: { title: 'orginvite.gone.cancelled_title', text: 'orginvite.gone.cancelled' },
  accepted: { title: 'orginvite.gone.accepted_title', text: 'orginvite.gone.accepted' },
};

/**
 * A link that opens nothing names the reason and the way to a new one: the organisation's
 * administrator, who can resend it. An unknown link is 404 and names no organisation (it
 * could be anyone's); the others are 410, gone for good.
 */
export function renderGone(ctx: Context, deps: FlowDeps, problem: LinkProblem, invitation?: InvitationLinkView): void {
  const organization = problem === 'unknown' ? undefined : invitation?.organizationName;
  const how = organization
    ? msg('orginvite.gone.how', { organization, inviter: invitation?.inviterName || organization })
    : msg('orginvite.gone.how_unknown');
  sendPage(ctx, deps.renderer, 'org-invitation-gone', { title: msg(GONE[problem].title), text: msg(GONE[problem].text, { organization: organization ?? '' }), how }, problem === 'unknown' ? 404 : 410);
}

/** The problem of a link that is not pending, else undefined. */
export function problemOf(invitation: InvitationLinkView | undefined): LinkProblem | undefined {
  if (!invitation) return 'unknown';
  return invitation.status === 'pending' ? undefined : invitation.status;
}

export interface InvitationPageState {
  token: string;
  invitation: InvitationLinkView;
  /** Signed in: the ID's username, whether it may join, and the join form's token. */
  signedIn?: { username: string; email: string; mayJoin: boolean; csrf: string };
}

export function renderInvitation(ctx: Context, deps: FlowDeps, state: InvitationPageState, status = 200): void {
  const { invitation, token } = state;
  const query = `token=${encodeURIComponent(token)}`;
  sendPage(
    ctx,
    deps.renderer,
    'org-invitation',
    {
      organization: invitation.organizationName,
      inviter: invitation.inviterName,
      role: roleWord(invitation.role),
      invitedEmail: invitation.email,
      token,
      signedIn: state.signedIn,
      signInUrl: `/org/invitation/sign-in?${query}`,
      registerUrl: `/org/invitation/register?${query}`,
    },
    status,
  );
}

export function renderJoined(ctx: Context, deps: FlowDeps, organization: string, signedIn: boolean): void {
  sendPage(ctx, deps.renderer, 'org-invitation-joined', { organization, signedIn, organizationsUrl: '/account/organizations' });
}
