import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { endAllSessions } from '../sessions.js';
import { inTransaction } from '../transaction.js';
import { forgetDevices } from '../trusted-devices.js';

/*
 * IDs whose address is not verified yet ("pending"). Typing an address proves nothing, so a
 * pending ID claims nothing: it holds its password and no other credential, several pending
 * IDs may name one address, and the first to prove the address keeps it while the others go
 * (the pre-registration hijack of Sudhodanan & Paverd, "Pre-hijacked accounts", USENIX
 * Security 2022: "unexpired session" and "classic federated merge" variants).
 */

const sameAddress = (email: string) => sql<boolean>`lower(email) = ${email.toLowerCase()}`;

/** The ID that proved this address, if one did: only it owns the address. */
export function findVerifiedHolder(db: Db, email: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where(sameAddress(email)).where('email_verified_at', 'is not', null).executeTakeFirst();
}

/** `accountId` just proved `email`: every other pending ID naming that address is deleted. */
export async function releaseAddress(trx: Db, accountId: string, email: string, origin: AuditOrigin = {}): Promise<void> {
  const gone = await trx.deleteFrom('accounts').where(sameAddress(email)).where('email_verified_at', 'is', null).where('id', '!=', accountId).returning('id').execute();
  for (const { id } of gone) {
    await recordAudit(trx, { action: 'account.replaced_unverified', actor: `account:${accountId}`, accountId: id, details: { by: accountId }, ...origin });
  }
}

/**
 * "Forgot password" of a pending ID, proved by a code mailed to its address: the address is now
 * proved, and whatever someone else may have set up on the ID before is cleared (its answers,
 * sessions and remembered devices); the new password follows. False when another ID already
 * owns the address: this one can never be verified, so recovery stops. Call it once the
 * emailed code is accepted, with the address the code went to.
 */
export function recoverPendingId(db: Db, accountId: string, destination: string, origin: AuditOrigin = {}): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const account = await trx.selectFrom('accounts').selectAll().where('id', '=', accountId).forUpdate().executeTakeFirst();
    return account ? claimPendingAddress(trx, account, destination, origin, 'recovery') : false;
  });
}

/** The address of a pending ID proved by something mailed to it (`method`); false when another ID owns it. */
export async function claimPendingAddress(trx: Db, account: Account, destination: string, origin: AuditOrigin, method: 'recovery' | 'invitation' | 'org_invitation'): Promise<boolean> {
  if (account.email_verified_at) return true;
  if (account.email.toLowerCase() !== destination.toLowerCase() || (await findVerifiedHolder(trx, account.email))) return false;
  const now = new Date();
  await trx.updateTable('accounts').set({ email_verified_at: now, updated_at: now }).where('id', '=', account.id).execute();
  await trx.deleteFrom('security_answers').where('account_id', '=', account.id).execute();
  await endAllSessions(trx, account.id, now);
  await forgetDevices(trx, account.id);
  await releaseAddress(trx, account.id, account.email, origin);
  await recordAudit(trx, { action: 'email.verified', actor: `account:${account.id}`, accountId: account.id, details: { method, cleared: ['answers', 'sessions', 'devices'] }, ...origin });
  return true;
}

/** Pending IDs older than the policy's days: their username and address are free again. */
export async function purgeUnverified(db: Db, ttlDays: number, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - ttlDays * 86_400_000);
  const gone = await db.deleteFrom('accounts').where('email_verified_at', 'is', null).where('created_at', '<', before).executeTakeFirst();
  return Number(gone.numDeletedRows);
}
