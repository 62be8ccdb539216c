import type { Policy } from '../../config/policy.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { emitAccountEvent } from '../account-events.js';
import { LOCK_REASON, reenable } from '../lockout.js';
import { checkNewPassword } from '../password-policy.js';
import { msg, type Msg } from '../../i18n/index.js';
import type { PasswordHasher } from '../passwords.js';
import { endAllSessions } from '../sessions.js';
import { inTransaction } from '../transaction.js';
import { unlockRoute } from '../unlock.js';
import { clearCodeFailures } from '../code-failures.js';
import { forgetDevices } from '../trusted-devices.js';

export type SetPasswordOutcome = { ok: true } | { ok: false; field: 'password' | 'confirmPassword'; message: Msg };

export interface NewPassword {
  password: string;
  confirmPassword: string;
}

/** The new password's rules (password-policy.ts), the confirmation, and not the password it replaces. */
async function checkReplacement(policy: Policy['password'], hasher: PasswordHasher, account: Account, input: NewPassword, allowSame = false): Promise<SetPasswordOutcome> {
  const broken = await checkNewPassword(policy, input.password, { username: account.username, email: account.email });
  if (broken) return { ok: false, field: 'password', message: broken };
  if (input.password !== input.confirmPassword) return { ok: false, field: 'confirmPassword', message: msg('password.mismatch') };
  if (!allowSame && (await hasher.verify(account.password_hash, input.password))) return { ok: false, field: 'password', message: msg('password.same') };
  return { ok: true };
}

/**
 * Sets a new password after the owner proved who they are (recovery) or typed the current one
 * (account page, upgrade step). Every session and token from before ends; a lock from failed
 * sign-ins that the owner may lift themselves is lifted; remembered devices are forgotten; the
 * owner is told by email.
 */
export async function setPassword(
  db: Db,
  hasher: PasswordHasher,
  policy: Policy,
  account: Account,
  input: NewPassword,
  context: {
    reason: 'recovery' | 'change' | 'upgrade' | 'invitation';
    origin?: AuditOrigin;
    endSessions: boolean;
    /** Runs in the same transaction; false (the flow was used meanwhile) changes nothing. */
    claim?: (trx: Db) => Promise<boolean>;
    /** The reset was proved by security answers alone: they may not be the next sign-ins' second step. */
    barAnswers?: boolean;
  },
): Promise<SetPasswordOutcome> {
  // The upgrade step may keep a password that meets the policy.
  const checked = await checkReplacement(policy.password, hasher, account, input, context.reason === 'upgrade');
  if (!checked.ok) return checked;
  const hash = await hasher.hash(input.password);
  const claimed = await inTransaction(db, async (trx) => {
    if (context.claim && !(await context.claim(trx))) return false;
    const now = new Date();
    await trx.updateTable('accounts').set({ password_hash: hash, password_changed_at: now, must_change_password: false, failed_password_count: 0, updated_at: now, ...(context.barAnswers ? { answers_barred_at: now } : {}) }).where('id', '=', account.id).execute();
    // Whoever set this password, every browser remembered before must take the second step again
    // (a device remembered by whoever knew the old password must not outlive it).
    const devicesForgotten = await forgetDevices(trx, account.id);
    await clearCodeFailures(trx, account.id, 'password');
    const unlocked = context.reason === 'recovery' && unlockRoute(policy.lockout, account) === 'self_service' && (await reenable(trx, account.id, Object.values(LOCK_REASON)));
    if (unlocked) await emitAccountEvent(trx, 'account.unlocked', account.id);
    await emitAccountEvent(trx, 'account.password_changed', account.id);
    if (context.endSessions) await endAllSessions(trx, account.id, now);
    await enqueueMail(trx, { to: account.email, template: 'password-changed', accountId: account.id, data: { givenName: account.given_name, signedOut: context.endSessions } });
    await recordAudit(trx, { action: 'password.changed', actor: `account:${account.id}`, accountId: account.id, details: { reason: context.reason, sessions_ended: context.endSessions, devices_forgotten: devicesForgotten, ...(context.barAnswers ? { proof: 'answers' } : {}) }, ...context.origin });
    return true;
  });
  return claimed ? { ok: true } : { ok: false, field: 'password', message: msg('password.request_used') };
}
