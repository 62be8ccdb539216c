import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import type { AuditOrigin } from '../audit.js';
import { acceptInvitation, findInvitation } from './invitations.js';

/*
 * Joining through the link by a signed-in ID. The link is mailed to one address and may carry
 * the administrator role, so it is not a bearer ticket for whoever holds it: only an ID whose
 * verified address is the invited one may join with it. A forwarded or leaked link (or a
 * person signed in with another of their IDs) is refused, and the page says to sign in with
 * the invited address's ID or to ask the administrator for an invitation to the ID's address.
 */

export type LinkJoin = Awaited<ReturnType<typeof acceptInvitation>> | { ok: false; reason: 'other_address' };

/** True when the ID has proved `email` (compared without case, as addresses are everywhere). */
export const ownsAddress = (account: Pick<Account, 'email' | 'email_verified_at'>, email: string) =>
  Boolean(account.email_verified_at) && account.email.toLowerCase() === email.toLowerCase();

export async function joinByLink(db: Db, token: string, account: Account, origin: AuditOrigin = {}): Promise<LinkJoin> {
  const invitation = await findInvitation(db, token);
  if (invitation && invitation.status === 'pending' && !ownsAddress(account, invitation.email)) return { ok: false, reason: 'other_address' };
  // A link not pending is refused by acceptInvitation with its status, in one conditional update.
  return acceptInvitation(db, token, account, origin);
}
