import { enqueueMail } from '../notify/outbox.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { insertAccount, isUniqueViolation, type NewAccountInput } from './accounts.js';
import { emitAccountEvent } from './account-events.js';
import { operatorAudit, recordAudit, type AdminClient, type Operator } from './audit.js';
import { startFlow } from './flows/flow-record.js';
import { invitationFlow } from './flows/invitation.js';
import { randomToken } from './keyed-hash.js';
import type { PasswordHasher } from './passwords.js';
import { findVerifiedHolder } from './registration/pending-ids.js';
import { inTransaction } from './transaction.js';
import { addMember } from './organizations/members.js';
import type { OrgRole } from './organizations/roles.js';
import { checkName, checkUsername } from './registration/rules.js';
import type { Policy } from '../config/policy.js';
import type { Msg } from '../i18n/index.js';

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

export type NewStaffCreatedAccount = Omit<NewAccountInput, 'passwordHash' | 'emailVerified' | 'birthYear'>;

/**
 * What an operator types is held to registration's rules for the username and names, as a
 * person's own form is: the CLI and the admin API are other doors to the same IDs, and what
 * they let in shows on the same pages and mails. Each broken field with its message.
 */
export function operatorInputProblems(policy: Policy, user: NewStaffCreatedAccount): Array<{ field: 'username' | 'given_name' | 'family_name'; message: Msg }> {
  const problems = [
    { field: 'username' as const, message: checkUsername(policy.registration.username, user.username) },
    { field: 'given_name' as const, message: checkName(user.givenName, 'given') },
    { field: 'family_name' as const, message: checkName(user.familyName, 'family') },
  ];
  return problems.filter((p): p is { field: typeof p.field; message: Msg } => p.message !== undefined);
}

/**
 * An ID an operator creates (the CLI, the admin API): with a password the operator vouches for
 * the address; without one (`password` undefined) it gets an invitation, whose link proves the
 * address. Refused ('taken') when the username or a verified address is another ID's, as the
 * unique indexes rule. The ID, its audit event and the invitation land together or not at all.
 */
export async function createAccountByOperator(
  db: Db,
  user: NewStaffCreatedAccount,
  options: { passwordHash?: string; hasher: PasswordHasher; issuer: string; operator: Operator | AdminClient; via?: string; organization?: { id: string; role: OrgRole } },
): Promise<Account | 'taken'> {
  const invite = options.passwordHash === undefined;
  const passwordHash = options.passwordHash ?? (await unusablePasswordHash(options.hasher));
  const { actor, details, clientId } = operatorAudit(options.operator);
  try {
    return await inTransaction(db, async (trx) => {
      if (await findVerifiedHolder(trx, user.email)) return 'taken' as const;
      const created = await insertAccount(trx, { ...user, passwordHash, emailVerified: !invite });
      await emitAccountEvent(trx, 'account.created', created.id);
      await recordAudit(trx, {
        action: 'account.created',
        actor,
        accountId: created.id,
        clientId,
        details: { ...details, ...(options.via ? { via: options.via } : {}), ...(invite ? { invitation: true } : {}), ...(user.accountType ? { account_type: user.accountType } : {}) },
      });
      if (options.organization) {
        const { id, role } = options.organization;
        await addMember(trx, id, created.id, role, actor);
        await recordAudit(trx, { action: 'operator.org_member_added', actor, accountId: created.id, clientId, details: { ...details, organization_id: id, role } });
      }
      if (invite) await sendInvitation(trx, created, options.issuer);
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return 'taken';
    throw error;
  }
}
