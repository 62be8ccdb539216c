import { sql } from 'kysely';
import type { Policy } from '../../config/policy.js';
import { addressCapFreesAt, enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit } from '../audit.js';
import { issueCode, type CodeSpec, type IssueResult } from '../one-time-codes.js';
import type { VerificationContext } from './context.js';

export const VERIFY_EMAIL = 'verify_email';
/** The activation code of the Optum ID guide (the replaced portals' public guides): ten digits. */
export const VERIFY_CODE_LENGTH = 10;
/** Someone retyping an owner's address should not flood that owner's inbox. */
const OWNER_NOTICE_INTERVAL_MS = 60 * 60 * 1000;

export function verifyEmailSpec(policy: Policy['registration']['verification']): CodeSpec {
  return {
    purpose: VERIFY_EMAIL,
    length: VERIFY_CODE_LENGTH,
    ttlSeconds: Math.round(policy.code_ttl_hours * 3600),
    maxAttempts: policy.max_attempts,
    throttleSeconds: policy.resend_throttle_seconds,
    withLink: true,
  };
}

type Recipient = Pick<Account, 'id' | 'email'>;

/** Mails anyone can make Portico send to an address that nobody has proved yet. */
export const UNPROVEN_ADDRESS_TEMPLATES = ['verify-email', 'registration-attempt'];

/**
 * The ID an address names: the one that verified it, else the newest of the pending IDs that
 * typed it (several may, identity/registration/pending-ids.ts).
 */
export function selectAccountByEmail(db: Db, email: string) {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .orderBy(sql`email_verified_at is not null`, 'desc')
    .orderBy('created_at', 'desc')
    .limit(1);
}

export function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return selectAccountByEmail(db, email).executeTakeFirst();
}

/** Refuses once the address had the policy's number of these mails within its window. */
export async function checkAddressCap(trx: Db, to: string, ctx: VerificationContext): Promise<IssueResult | undefined> {
  const cap = ctx.mailCap;
  const until = await addressCapFreesAt(trx, to, UNPROVEN_ADDRESS_TEMPLATES, cap.mails_per_address, cap.mails_window_hours * 3600_000, ctx.now);
  return until ? { ok: false, reason: 'locked', until } : undefined;
}

/**
 * Issues a verification code and link and queues the mail carrying them, in the caller's
 * transaction: the mail exists exactly when the code does.
 */
export async function sendVerificationMail(trx: Db, account: Recipient, ctx: VerificationContext): Promise<IssueResult> {
  const capped = await checkAddressCap(trx, account.email, ctx);
  if (capped) return capped;
  const issued = await issueCode(trx, account.id, account.email, verifyEmailSpec(ctx.policy), ctx.now);
  if (!issued.ok) return issued;
  const hours = ctx.policy.code_ttl_hours;
  await enqueueMail(trx, {
    to: account.email,
    template: 'verify-email',
    accountId: account.id,
    // No name: until the address is verified, the name is anyone's text mailed to anyone.
    data: { code: issued.code, link: ctx.links.verifyLink(issued.linkToken!), validHours: hours },
  });
  await recordAudit(trx, {
    action: 'verification.sent',
    actor: `account:${account.id}`,
    accountId: account.id,
    details: { purpose: VERIFY_EMAIL, channel: 'email' },
    ...ctx.origin,
  });
  return issued;
}

/** Tells an address's owner that someone tried to create an ID with it. */
export async function notifyExistingOwner(trx: Db, owner: Account, ctx: VerificationContext): Promise<void> {
  const since = new Date((ctx.now ?? new Date()).getTime() - OWNER_NOTICE_INTERVAL_MS);
  const recent =
    (await trx
      .selectFrom('mail_outbox')
      .select('id')
      .where('account_id', '=', owner.id)
      .where('template', '=', 'registration-attempt')
      .where('created_at', '>', since)
      .executeTakeFirst()) ?? (await checkAddressCap(trx, owner.email, ctx));
  if (!recent) {
    await enqueueMail(trx, {
      to: owner.email,
      template: 'registration-attempt',
      accountId: owner.id,
      language: 'account',
      data: { givenName: owner.given_name, signInUrl: ctx.links.signInUrl, recoverUrl: ctx.links.recoverUrl },
    });
  }
  await recordAudit(trx, {
    action: 'registration.email_in_use',
    actor: 'anonymous',
    accountId: owner.id,
    details: { owner_notified: !recent },
    ...ctx.origin,
  });
}
