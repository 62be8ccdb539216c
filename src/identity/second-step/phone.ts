import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import type { AuditOrigin } from '../audit.js';
import { latestCode, type CodeCheck } from '../one-time-codes.js';
import { checkSentCode, type IdLocked } from './code-attempt.js';
import { asciiDigits } from './phone-number.js';
import { channelOf, sendPhoneCode, type PhoneChannel, type PhoneEnv, type SendResult } from './phone-send.js';

/*
 * The phone second step at sign-in: a 6-digit code by text or call, the person choosing which
 * each time. Codes are one_time_codes bound to the sign-in (its interaction uid), hashed, and
 * checked by verifyCode, so a wrong one counts where a wrong emailed code does: per account
 * (code-failures.ts) and towards the ID's lock (code-attempt.ts).
 */

export const PHONE_SIGN_IN = 'phone_sign_in';

/** The account's confirmed number (E.164), or undefined. */
export async function phoneOf(db: Db, accountId: string): Promise<string | undefined> {
  return (await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', accountId).executeTakeFirst())?.e164;
}

export type TypedPhoneCode = { ok: true; code: string } | { ok: false; problem: 'letters' | 'format' };

/**
 * A typed code: spaces and dashes dropped (people copy "123 456"), full-width digits read as
 * digits; a letter is refused with its own words (an O for a 0, or the wrong field).
 */
export function readPhoneCode(typed: string): TypedPhoneCode {
  const code = asciiDigits(typed).replace(/[\s\u3000-]/g, '');
  if (/^\d{6}$/.test(code)) return { ok: true, code };
  return { ok: false, problem: /\p{L}/u.test(code) ? 'letters' : 'format' };
}

export async function sendSignInCode(env: PhoneEnv, account: Account, channel: PhoneChannel, uid: string, origin: AuditOrigin = {}): Promise<SendResult> {
  const e164 = await phoneOf(env.db, account.id);
  // Removed since the sign-in began: the page offers the other methods.
  if (!e164) return { ok: false, reason: 'unreachable' };
  return sendPhoneCode(env, account, e164, channel, { purpose: PHONE_SIGN_IN, binding: uid }, origin);
}

/** Whether this sign-in was sent a code already: its page then shows the code form. */
export async function phoneCodeSentFor(db: Db, accountId: string, uid: string): Promise<boolean> {
  return (await latestCode(db, accountId, PHONE_SIGN_IN, uid)) !== undefined;
}

/**
 * Checks a code typed at this sign-in's phone step (well-formed: readPhoneCode first). A right
 * code says how it came (`channel`): RFC 8176 has `sms` for a text and `tel` for a call.
 */
export async function checkSignInCode(db: Db, accountId: string, code: string, uid: string, policy: Pick<Policy, 'code_failures' | 'lockout'>, origin: AuditOrigin = {}): Promise<{ check: CodeCheck | IdLocked; channel?: PhoneChannel }> {
  const check = await checkSentCode(db, accountId, { purpose: PHONE_SIGN_IN, binding: uid }, code, policy, { channel: 'phone' }, origin);
  return check.ok ? { check, channel: channelOf(check.destination) } : { check };
}
