/*
 * Where a sign-in started from an invitation's page comes back to. It rides in the account
 * pages' pending sign-in (account/account-sign-in.ts), an HttpOnly host cookie that lives at
 * most 15 minutes and is cleared by the callback: the page's link is all that can bring the
 * person back to that invitation, and the server keeps no copy of the token anywhere.
 */
export type InvitationReturn = `org-invitation-${string}`;

const RETURN = /^org-invitation-([A-Za-z0-9_-]{43})$/;

export const invitationReturn = (token: string): InvitationReturn => `org-invitation-${token}`;

export const isInvitationReturn = (value: unknown): value is InvitationReturn => typeof value === 'string' && RETURN.test(value);

/** The invitation's page a return names. */
export const invitationPath = (back: InvitationReturn) => `/org/invitation?token=${RETURN.exec(back)![1]}`;
