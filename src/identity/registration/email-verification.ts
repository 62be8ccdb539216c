import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { findAccountById } from '../accounts.js';
import { recordAudit } from '../audit.js';
import { consumeLink, inspectLink, latestCode, verifyCode, type CodeCheck, type IssueResult } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import type { VerificationContext } from './context.js';
import { countDecoyFailure } from '../flows/flow-record.js';
import { codeSent, createFlow, type VerificationFlow } from './verification-flow.js';
import { findVerifiedHolder, releaseAddress } from './pending-ids.js';
import { notifyExistingOwner, sendVerificationMail, verifyEmailSpec, VERIFY_EMAIL } from './verification-mail.js';

/** What the waiting page tells the person after a code, a link, a resend or a new address. */
export type VerifyOutcome =
  | { ok: true; accountId: string }
  | { ok: false; problem: 'wrong'; attemptsLeft: number }
  | { ok: false; problem: 'expired' | 'used' | 'superseded' | 'too_many_attempts' | 'no_code' };

export type SendOutcome =
  | { status: 'sent' }
  | { status: 'verified' }
  | { status: 'throttled'; retryAfterSeconds: number }
  | { status: 'locked'; until: Date };

const nowOf = (ctx: VerificationContext) => ctx.now ?? new Date();
const ttlMs = (ctx: VerificationContext) => ctx.policy.code_ttl_hours * 3600 * 1000;

/**
 * Sets email_verified_at, but only for the address the code was sent to; the other pending IDs
 * that typed the address go (pending-ids.ts).
 */
async function markVerified(trx: Db, accountId: string, destination: string, ctx: VerificationContext): Promise<boolean> {
  // Another ID proved the address since this code went out (only a race can get here: proving
  // it deletes the other pending IDs and their codes).
  const holder = await findVerifiedHolder(trx, destination);
  if (holder && holder.id !== accountId) return false;
  const now = nowOf(ctx);
  const marked = await trx
    .updateTable('accounts')
    .set({ email_verified_at: now, updated_at: now })
    .where('id', '=', accountId)
    .where(sql`lower(email)`, '=', destination.toLowerCase())
    .where('email_verified_at', 'is', null)
    .returning('email')
    .executeTakeFirst();
  if (marked) await releaseAddress(trx, accountId, marked.email, ctx.origin);
  return true;
}

/** The code or link was right: the address is proved, unless another ID proved it first. */
async function settle(trx: Db, check: CodeCheck, ctx: VerificationContext): Promise<CodeCheck> {
  if (!check.ok || (await markVerified(trx, check.accountId, check.destination, ctx))) return check;
  return { ok: false, reason: 'used', accountId: check.accountId };
}

function toOutcome(check: CodeCheck): VerifyOutcome {
  if (check.ok) return { ok: true, accountId: check.accountId };
  if (check.reason === 'wrong') return { ok: false, problem: 'wrong', attemptsLeft: check.attemptsLeft ?? 0 };
  return { ok: false, problem: check.reason };
}

async function auditCheck(trx: Db, check: CodeCheck, method: 'code' | 'link', ctx: VerificationContext): Promise<void> {
  const accountId = check.accountId ?? null;
  const actor = accountId ? `account:${accountId}` : 'anonymous';
  if (check.ok) {
    await recordAudit(trx, { action: 'email.verified', actor, accountId, details: { method }, ...ctx.origin });
  } else {
    await recordAudit(trx, { action: 'verification.code_failed', actor, accountId, details: { method, reason: check.reason, attempts_left: check.attemptsLeft }, ...ctx.origin });
  }
}

/** The code typed on the waiting page. */
export async function verifyByCode(db: Db, flow: VerificationFlow, code: string, ctx: VerificationContext): Promise<VerifyOutcome> {
  if (!flow.accountId) return decoyAttempt(db, flow, ctx);
  const accountId = flow.accountId;
  return inTransaction(db, async (trx) => {
    const account = await findAccountById(trx, accountId);
    if (!account) return { ok: false, problem: 'no_code' };
    if (account.email_verified_at) return { ok: true, accountId };
    const check = await settle(trx, await verifyCode(trx, accountId, VERIFY_EMAIL, code, nowOf(ctx), { failures: ctx.codeFailures }), ctx);
    await auditCheck(trx, check, 'code', ctx);
    return toOutcome(check);
  });
}

/**
 * A flow with no account (the address belonged to an ID already) refuses every code, counting
 * tries like a real code, so the page behaves as it would for a new ID.
 */
async function decoyAttempt(db: Db, flow: VerificationFlow, ctx: VerificationContext): Promise<VerifyOutcome> {
  const failures = await countDecoyFailure(db, flow, ctx.policy.max_attempts);
  await recordAudit(db, { action: 'verification.code_failed', actor: 'anonymous', details: { method: 'code', reason: 'no_account' }, ...ctx.origin });
  if (failures === undefined) return { ok: false, problem: 'too_many_attempts' };
  return { ok: false, problem: 'wrong', attemptsLeft: ctx.policy.max_attempts - failures };
}

/** Whether a link from the mail is still good, without using it (the page asks to confirm). */
export async function checkVerificationLink(db: Db, token: string, ctx: VerificationContext): Promise<VerifyOutcome> {
  const found = await inspectLink(db, VERIFY_EMAIL, token, nowOf(ctx));
  if (!found) return { ok: false, problem: 'no_code' };
  if (found.failure) return { ok: false, problem: found.failure };
  return { ok: true, accountId: found.row.account_id };
}

/** The link from the mail, confirmed. */
export function verifyByLink(db: Db, token: string, ctx: VerificationContext): Promise<VerifyOutcome> {
  return inTransaction(db, async (trx) => {
    const check = await settle(trx, await consumeLink(trx, VERIFY_EMAIL, token, nowOf(ctx)), ctx);
    await auditCheck(trx, check, 'link', ctx);
    return toOutcome(check);
  });
}

export function refusalOutcome(issued: Exclude<IssueResult, { ok: true }>): SendOutcome {
  return issued.reason === 'throttled' ? { status: 'throttled', retryAfterSeconds: issued.retryAfterSeconds } : { status: 'locked', until: issued.until };
}

/** "Resend email": a new code and link (throttled), which keeps the wrong tries of the old one. */
export async function resendVerification(db: Db, flow: VerificationFlow, ctx: VerificationContext): Promise<SendOutcome> {
  if (!flow.accountId) return decoySend(db, flow, 'resent', flow.data.destination, ctx);
  const accountId = flow.accountId;
  return inTransaction(db, async (trx) => {
    const account = await findAccountById(trx, accountId);
    if (!account) return { status: 'locked', until: flow.expiresAt };
    if (account.email_verified_at) return { status: 'verified' };
    const issued = await sendVerificationMail(trx, account, ctx);
    if (!issued.ok) return refusalOutcome(issued);
    const now = nowOf(ctx);
    await codeSent(trx, flow, 'resent', { destination: account.email, now, expiresAt: new Date(now.getTime() + ttlMs(ctx)) });
    return { status: 'sent' };
  });
}

/** The flow with no account answers a resend as a real one would, and sends nothing. */
export async function decoySend(db: Db, flow: VerificationFlow, event: 'resent' | 'email_changed', destination: string, ctx: VerificationContext): Promise<SendOutcome> {
  const now = nowOf(ctx);
  if (flow.decoyFailures >= ctx.policy.max_attempts) return { status: 'locked', until: flow.expiresAt };
  const waited = (now.getTime() - new Date(flow.data.lastSentAt).getTime()) / 1000;
  const throttle = ctx.policy.resend_throttle_seconds;
  if (waited < throttle) return { status: 'throttled', retryAfterSeconds: Math.ceil(throttle - waited) };
  await codeSent(db, flow, event, { accountId: null, destination, now, expiresAt: new Date(now.getTime() + ttlMs(ctx)) });
  return { status: 'sent' };
}

/**
 * An unverified account that signed in: a flow for its browser, and a fresh mail unless a code
 * sent to its current address is still live (the page offers "Resend email"). When another ID
 * owns the address, the same page with a flow that only looks real, as at registration.
 */
export function startVerification(db: Db, account: Account, interactionUid: string | undefined, ctx: VerificationContext): Promise<string> {
  return inTransaction(db, async (trx) => {
    const now = nowOf(ctx);
    const ttlSeconds = verifyEmailSpec(ctx.policy).ttlSeconds;
    const owner = await findVerifiedHolder(trx, account.email);
    if (owner) {
      await notifyExistingOwner(trx, owner, ctx);
      return createFlow(trx, 'sign_in_unverified', { accountId: null, destination: account.email, interactionUid, ttlSeconds, now });
    }
    const live = await latestCode(trx, account.id, VERIFY_EMAIL);
    const usable = live && !live.consumed_at && live.expires_at > now && live.destination.toLowerCase() === account.email.toLowerCase();
    if (!usable) await sendVerificationMail(trx, account, ctx);
    return createFlow(trx, 'sign_in_unverified', { accountId: account.id, destination: account.email, interactionUid, ttlSeconds, now });
  });
}
