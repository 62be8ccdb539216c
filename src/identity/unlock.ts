import type { Policy } from '../config/policy.js';
import { enqueueMail } from '../notify/outbox.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { findAccountById } from './accounts.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { emitAccountEvent } from './account-events.js';
import { LOCK_REASON, reenable } from './lockout.js';
import { consumeLink, issueCode, type CodeSpec, type LinkFailure } from './one-time-codes.js';
import { inTransaction } from './transaction.js';

/*
 * Re-enabling a locked account: by an emailed link, valid 24 hours and single use,
 * where the policy lets that account type help itself; otherwise only the help desk can. An
 * account an operator disabled is never re-enabled by a link.
 */
export const UNLOCK = 'unlock';
const SELF_SERVICE_REASONS: string[] = Object.values(LOCK_REASON);

export type UnlockRoute = 'self_service' | 'help_desk';

export function unlockRoute(policy: Policy['lockout'], account: Pick<Account, 'account_type' | 'lock_reason'>): UnlockRoute {
  if (!account.lock_reason || !SELF_SERVICE_REASONS.includes(account.lock_reason)) return 'help_desk';
  return policy.unlock_by_account_type[account.account_type] ?? policy.default_unlock;
}

function unlockSpec(policy: Policy['lockout']): CodeSpec {
  // The code itself is never mailed: the link carries the secret. Resends wait a minute.
  return { purpose: UNLOCK, length: 10, ttlSeconds: Math.round(policy.unlock_link_ttl_hours * 3600), maxAttempts: 1, throttleSeconds: 60, withLink: true };
}

export type UnlockMailOutcome = { status: 'sent' } | { status: 'throttled'; retryAfterSeconds: number } | { status: 'not_allowed' };

export function sendUnlockMail(db: Db, account: Account, policy: Policy['lockout'], link: (token: string) => string, origin: AuditOrigin = {}): Promise<UnlockMailOutcome> {
  if (account.status !== 'disabled' || unlockRoute(policy, account) !== 'self_service') return Promise.resolve({ status: 'not_allowed' });
  return inTransaction(db, async (trx) => {
    const issued = await issueCode(trx, account.id, account.email, unlockSpec(policy));
    if (!issued.ok) return issued.reason === 'throttled' ? { status: 'throttled', retryAfterSeconds: issued.retryAfterSeconds } : { status: 'not_allowed' };
    await enqueueMail(trx, { to: account.email, template: 'unlock', accountId: account.id, data: { givenName: account.given_name, link: link(issued.linkToken!), validHours: policy.unlock_link_ttl_hours } });
    await recordAudit(trx, { action: 'unlock.sent', actor: `account:${account.id}`, accountId: account.id, ...origin });
    return { status: 'sent' };
  });
}

export type UnlockOutcome = { ok: true; account: Account } | { ok: false; reason: LinkFailure | 'no_code' | 'not_locked' };

/** Uses an unlock link once; re-enables the account if it is still locked by failures. */
export function unlockByLink(db: Db, token: string, origin: AuditOrigin = {}): Promise<UnlockOutcome> {
  return inTransaction(db, async (trx) => {
    const check = await consumeLink(trx, UNLOCK, token);
    if (!check.ok) return { ok: false, reason: check.reason === 'wrong' || check.reason === 'too_many_attempts' ? 'no_code' : check.reason };
    if (!(await reenable(trx, check.accountId, SELF_SERVICE_REASONS))) return { ok: false, reason: 'not_locked' };
    await emitAccountEvent(trx, 'account.unlocked', check.accountId);
    await recordAudit(trx, { action: 'account.unlocked', actor: `account:${check.accountId}`, accountId: check.accountId, details: { method: 'email_link' }, ...origin });
    return { ok: true, account: (await findAccountById(trx, check.accountId))! };
  });
}
