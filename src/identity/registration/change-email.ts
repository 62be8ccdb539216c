import type { Msg } from '../../i18n/index.js';
import type { Db } from '../../storage/database.js';
import { isUniqueViolation } from '../accounts.js';
import { recordAudit } from '../audit.js';
import { emitAccountEvent } from '../account-events.js';
import { checkIssuable } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import type { VerificationContext } from './context.js';
import { decoySend, refusalOutcome, resendVerification, type SendOutcome } from './email-verification.js';
import { checkEmail } from './rules.js';
import { codeSent, type VerificationFlow } from './verification-flow.js';
import { findVerifiedHolder } from './pending-ids.js';
import { notifyExistingOwner, sendVerificationMail, verifyEmailSpec } from './verification-mail.js';

export type ChangeOutcome = SendOutcome | { status: 'invalid'; message: Msg };

/**
 * "Use a different email address" on the waiting page: the unverified account takes the new
 * address and a new code goes there. An address that belongs to another ID is answered exactly
 * like a free one (its owner is told), as at registration.
 */
export async function changeVerificationEmail(db: Db, flow: VerificationFlow, newEmail: string, ctx: VerificationContext): Promise<ChangeOutcome> {
  const invalid = checkEmail(newEmail);
  if (invalid) return { status: 'invalid', message: invalid };
  const accountId = flow.accountId;
  if (!accountId) return decoyChange(db, flow, newEmail, ctx);
  try {
    return await inTransaction(db, (trx) => moveAccountEmail(trx, flow, accountId, newEmail, ctx));
  } catch (error) {
    // Another registration took the address between our check and our update.
    if (!isUniqueViolation(error)) throw error;
    return decoyChange(db, flow, newEmail, ctx);
  }
}

async function moveAccountEmail(trx: Db, flow: VerificationFlow, accountId: string, newEmail: string, ctx: VerificationContext): Promise<ChangeOutcome> {
  const account = await trx.selectFrom('accounts').selectAll().where('id', '=', accountId).forUpdate().executeTakeFirst();
  if (!account) return { status: 'locked', until: flow.expiresAt };
  if (account.email_verified_at) return { status: 'verified' };
  if (account.email.toLowerCase() === newEmail.toLowerCase()) return resendVerification(trx, flow, ctx);
  const now = ctx.now ?? new Date();
  const issuable = await checkIssuable(trx, accountId, verifyEmailSpec(ctx.policy), now);
  if (!issuable.ok) return refusalOutcome(issuable);
  // Only an ID that verified the address owns it; pending IDs may share it (pending-ids.ts).
  if (await findVerifiedHolder(trx, newEmail)) return decoyChange(trx, flow, newEmail, ctx);
  await trx.updateTable('accounts').set({ email: newEmail, updated_at: now }).where('id', '=', accountId).execute();
  await emitAccountEvent(trx, 'account.email_changed', accountId);
  await recordAudit(trx, { action: 'account.email_changed', actor: `account:${accountId}`, accountId, details: { before_verification: true }, ...ctx.origin });
  const issued = await sendVerificationMail(trx, { ...account, email: newEmail }, ctx);
  if (!issued.ok) return refusalOutcome(issued);
  await codeSent(trx, flow, 'email_changed', { destination: newEmail, now, expiresAt: issued.expiresAt });
  return { status: 'sent' };
}

/** Detaches the flow from any account: from now on it only looks like a real one. */
function decoyChange(db: Db, flow: VerificationFlow, newEmail: string, ctx: VerificationContext): Promise<SendOutcome> {
  return inTransaction(db, async (trx) => {
    const outcome = await decoySend(trx, flow, 'email_changed', newEmail, ctx);
    if (outcome.status !== 'sent') return outcome;
    const owner = await findVerifiedHolder(trx, newEmail);
    if (owner) await notifyExistingOwner(trx, owner, ctx);
    return outcome;
  });
}
