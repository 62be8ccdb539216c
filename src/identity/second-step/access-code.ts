import type { Policy } from '../../config/policy.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { issueCode, latestCode, type CodeCheck, type CodeSpec, type IssueResult } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import { checkSentCode, type IdLocked } from './code-attempt.js';

export const SIGN_IN_CODE = 'sign_in';

export function accessCodeSpec(policy: Policy['second_step']['access_code']): CodeSpec {
  return {
    purpose: SIGN_IN_CODE,
    length: policy.length,
    ttlSeconds: Math.round(policy.ttl_minutes * 60),
    maxAttempts: policy.max_attempts,
    throttleSeconds: policy.resend_throttle_seconds,
  };
}

/** `j*****@example.com`: enough for the owner to recognise, not enough to learn the address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '*****';
  return `${email[0]}*****${email.slice(at)}`;
}

/**
 * Issues a code for one sign-in (`binding`, its interaction uid) and queues its mail in one
 * transaction (throttled; wrong tries carry over to that sign-in's next code). Only that sign-in
 * accepts it: a code mailed for one browser's sign-in does not finish another's.
 */
export function sendAccessCode(db: Db, account: Account, policy: Policy['second_step']['access_code'], binding: string, origin: AuditOrigin = {}): Promise<IssueResult> {
  return inTransaction(db, async (trx) => {
    const issued = await issueCode(trx, account.id, account.email, { ...accessCodeSpec(policy), binding });
    if (!issued.ok) return issued;
    await enqueueMail(trx, { to: account.email, template: 'access-code', accountId: account.id, data: { givenName: account.given_name, code: issued.code, validMinutes: policy.ttl_minutes } });
    await recordAudit(trx, { action: 'second_step.code_sent', actor: `account:${account.id}`, accountId: account.id, details: { channel: 'email' }, ...origin });
    return issued;
  });
}

/** Whether this sign-in was sent a code already (live or not): the page then shows the code form. */
export async function codeSentFor(db: Db, accountId: string, binding: string): Promise<boolean> {
  return (await latestCode(db, accountId, SIGN_IN_CODE, binding)) !== undefined;
}

/**
 * Checks a code typed at this sign-in's second step (well-formed: the method refuses others
 * beside the field). A wrong one counts per code, per account (code-failures.ts) and towards the
 * ID's lock, with wrong app and phone codes (code-attempt.ts).
 */
export function checkAccessCode(db: Db, accountId: string, code: string, binding: string, policy: Pick<Policy, 'code_failures' | 'lockout'>, origin: AuditOrigin = {}): Promise<CodeCheck | IdLocked> {
  return checkSentCode(db, accountId, { purpose: SIGN_IN_CODE, binding }, code, policy, {}, origin);
}
