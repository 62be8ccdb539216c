import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { acceptInvitation, findInvitation } from '../organizations/invitations.js';
import type { RequestOrigin } from './context.js';
import { claimPendingAddress } from './pending-ids.js';

/*
 * A registration opened from an organisation's invitation link. The link was mailed to the
 * invited address, so when the form keeps that address the mail is proved already: the new
 * ID is verified and joins with the invited role, in the registration's transaction, and no
 * code is sent. A changed address proves nothing: the ordinary verification follows and the
 * invitation stays pending (the ID may accept it later only if it proves the invited address).
 * So does an address another ID already proved: that owner is told, as for any registration.
 */

/** The organisation joined, or undefined when the ordinary verification applies. */
export async function joinAtRegistration(trx: Db, account: Account, token: string, origin: RequestOrigin): Promise<string | undefined> {
  const invitation = await findInvitation(trx, token);
  if (!invitation || invitation.status !== 'pending' || invitation.email.toLowerCase() !== account.email.toLowerCase()) return undefined;
  const joined = await acceptInvitation(trx, token, account, origin);
  // Used or cancelled a moment ago by another request: nothing proved, verify as usual.
  if (!joined.ok) return undefined;
  if (!(await claimPendingAddress(trx, account, invitation.email, origin, 'org_invitation'))) throw new Error('an invited address owned by another ID reached the join');
  return joined.organizationId;
}
