import { enqueueMail } from '../notify/outbox.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { startFlow } from './flows/flow-record.js';
import { invitationFlow } from './flows/invitation.js';
import { randomToken } from './keyed-hash.js';
import type { PasswordHasher } from './passwords.js';

/*
 * An ID an operator creates without a password gets a mailed link to choose one
 * (identity/flows/invitation.md). The link's token is the flow's id: the `flows` table keeps
 * only its keyed hash, and setting the password deletes the record in the same transaction.
 */

export const INVITATION_HOURS = invitationFlow.ttlSeconds / 3600;

/** In the query, not the path: request logs keep paths and never query strings. */
export const invitationLink = (issuer: string, token: string) => `${issuer}/invitation?token=${token}`;

/** A hash of a secret nobody holds: the ID has no password anyone can sign in with. */
export function unusablePasswordHash(hasher: PasswordHasher): Promise<string> {
  return hasher.hash(randomToken());
}

/** Makes the invitation and queues its mail, in the caller's transaction (with the ID). */
export async function sendInvitation(trx: Db, account: Account, issuer: string): Promise<void> {
  const { id } = await startFlow(trx, invitationFlow, 'sent', { accountId: account.id, data: {} });
  await enqueueMail(trx, {
    to: account.email,
    template: 'invitation',
    accountId: account.id,
    data: { givenName: account.given_name, link: invitationLink(issuer, id), hours: INVITATION_HOURS },
  });
}
