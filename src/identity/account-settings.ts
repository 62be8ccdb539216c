import type { Policy } from '../config/policy.js';
import { enqueueMail } from '../notify/outbox.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { emitAccountEvent } from './account-events.js';
import { issueCode, latestCode, verifyCode, type CodeCheck, type IssueResult } from './one-time-codes.js';
import { findVerifiedHolder, releaseAddress } from './registration/pending-ids.js';
import { accessCodeSpec } from './second-step/access-code.js';
import { inTransaction } from './transaction.js';

/*
 * Changes a signed-in person makes on the account page. Each writes an audit
 * event and tells the owner by email, in the same transaction as the change.
 */
export const CHANGE_EMAIL = 'change_email';

/** What changed, as the code views/mail/account-changed.*.eta words in the mail's language. */
export type AccountChange = 'name' | 'questions' | 'authenticator_app' | 'authenticator_app_removed' | 'authenticator_app_reset' | 'passkey' | 'passkey_removed' | 'passkeys_reset' | 'phone' | 'phone_changed' | 'phone_removed' | 'phone_reset' | { email: string };

/** The sentence each change's mail says (views/mail/account-changed.*.eta), by catalogue key. */
const CHANGE_WORDS: Record<Exclude<AccountChange, { email: string }> | 'email', string> = {
  email: 'mail.changed.email',
  name: 'mail.changed.name',
  questions: 'mail.changed.questions',
  authenticator_app: 'mail.changed.authenticator_app',
  authenticator_app_removed: 'mail.changed.authenticator_app_removed',
  authenticator_app_reset: 'mail.changed.authenticator_app_reset',
  passkey: 'mail.changed.passkey',
  passkey_removed: 'mail.changed.passkey_removed',
  passkeys_reset: 'mail.changed.passkeys_reset',
  phone: 'mail.changed.phone',
  phone_changed: 'mail.changed.phone_changed',
  phone_removed: 'mail.changed.phone_removed',
  phone_reset: 'mail.changed.phone_reset',
};

export async function notify(trx: Db, account: Account, change: AccountChange, to = account.email): Promise<void> {
  const what = typeof change === 'string' ? change : 'email';
  const destination = typeof change === 'string' ? undefined : change.email;
  await enqueueMail(trx, { to, template: 'account-changed', accountId: account.id, data: { givenName: account.given_name, what, words: CHANGE_WORDS[what], destination } });
}

/** Who changed the account when it is not its owner (an operator): the audit event's actor and details. */
export interface ChangedBy {
  actor: string;
  details?: Record<string, unknown>;
}

const byOwner = (account: Account): ChangedBy => ({ actor: `account:${account.id}` });

export async function updateName(db: Db, account: Account, givenName: string, familyName: string, origin: AuditOrigin = {}, by: ChangedBy = byOwner(account)): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.updateTable('accounts').set({ given_name: givenName, family_name: familyName, updated_at: new Date() }).where('id', '=', account.id).execute();
    await recordAudit(trx, { action: 'profile.changed', actor: by.actor, accountId: account.id, ...(by.details ? { details: by.details } : {}), ...origin });
    await notify(trx, account, 'name');
  });
}

/**
 * Sends a code to the new address; nothing changes until it is typed back. An address another
 * ID verified gets the same answer and no code, so the page does not say which addresses have
 * IDs; one that only pending IDs typed is free (registration/pending-ids.ts).
 */
export async function startEmailChange(db: Db, account: Account, newEmail: string, policy: Policy['second_step']['access_code'], origin: AuditOrigin = {}, by: ChangedBy = byOwner(account)): Promise<IssueResult | { ok: true; taken: true }> {
  if (await findVerifiedHolder(db, newEmail)) {
    await recordAudit(db, { action: 'email_change.requested', actor: by.actor, accountId: account.id, details: { ...by.details, taken: true }, ...origin });
    return { ok: true, taken: true };
  }
  return inTransaction(db, async (trx) => {
    const issued = await issueCode(trx, account.id, newEmail, { ...accessCodeSpec(policy), purpose: CHANGE_EMAIL });
    if (!issued.ok) return issued;
    // No name: the new address has not been proved, and a name is text anyone could mail to it.
    await enqueueMail(trx, { to: newEmail, template: 'recovery-code', accountId: account.id, data: { code: issued.code, validMinutes: policy.ttl_minutes, purpose: 'email' } });
    await recordAudit(trx, { action: 'email_change.requested', actor: by.actor, accountId: account.id, details: { ...by.details, taken: false }, ...origin });
    return issued;
  });
}

/** The address a change is waiting on, if a code for it is still live. */
export async function pendingEmail(db: Db, accountId: string): Promise<string | undefined> {
  const live = await latestCode(db, accountId, CHANGE_EMAIL);
  return live && !live.consumed_at && live.expires_at > new Date() && live.attempts < live.max_attempts ? live.destination : undefined;
}

/** Switches the address once its code is confirmed; the old address is told. */
export async function confirmEmailChange(db: Db, account: Account, code: string, origin: AuditOrigin = {}, failures?: Policy['code_failures']): Promise<CodeCheck> {
  return inTransaction(db, async (trx) => {
    const check = await verifyCode(trx, account.id, CHANGE_EMAIL, code, new Date(), { failures });
    if (!check.ok) return check;
    // Another ID proved the address since the code went out: it is that ID's now.
    if (await findVerifiedHolder(trx, check.destination)) return { ok: false, reason: 'used', accountId: account.id };
    await switchEmail(trx, account, check.destination, origin);
    return check;
  });
}

/**
 * Gives the account a proved address, in the caller's transaction: pending IDs naming it are
 * released and the old address is told. The caller has checked no other ID verified it.
 */
export async function switchEmail(trx: Db, account: Account, email: string, origin: AuditOrigin = {}, by: ChangedBy = byOwner(account)): Promise<void> {
  const now = new Date();
  await trx.updateTable('accounts').set({ email, email_verified_at: now, updated_at: now }).where('id', '=', account.id).execute();
  await releaseAddress(trx, account.id, email, origin);
  await emitAccountEvent(trx, 'account.email_changed', account.id);
  await recordAudit(trx, { action: 'email.changed', actor: by.actor, accountId: account.id, ...(by.details ? { details: by.details } : {}), ...origin });
  await notify(trx, account, { email }, account.email);
}

export async function recordDevicesForgotten(db: Db, account: Account, count: number, origin: AuditOrigin = {}): Promise<void> {
  await recordAudit(db, { action: 'devices.forgotten', actor: `account:${account.id}`, accountId: account.id, details: { count }, ...origin });
}
