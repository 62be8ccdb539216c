import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { limitOf, lockIfExhausted, recordFailure, recordSuccess, releaseAttempt, reserveAttempt, untilSettled } from '../lockout.js';
import { verifyCode, type CodeCheck } from '../one-time-codes.js';

/*
 * A code typed at the sign-in's second step, of any kind (the authenticator app's or one of its
 * recovery codes, an emailed access code, a texted or called phone code), is one attempt on the
 * ID's 'code' counter (lockout.ts): `lockout.max_failed_codes` wrong ones in a row, whatever
 * their mix, lock the ID as wrong passwords do, and a right one of any kind ends the run.
 *
 * Only codes of the second step count: it is reached after the right password, so whoever types
 * there knows it. Codes typed at the recovery door ("Forgot password", reached with a username
 * alone) never count here, or anyone could lock anyone out by guessing reset codes; they count
 * in code-failures.ts's recovery door only, which the owner's sign-in opens again. Email
 * verification and change codes, and those that set up or change a phone number, do not count
 * either: they prove an address or a number, not who signs in, and whoever types them is signed
 * in already (or holds an ID not yet verified); a lock there would shut the owner out over a
 * mistyped address and stop no guessing that code-failures.ts's password door does not.
 *
 * The attempt is reserved before the check (reserveAttempt), so however many codes race at most
 * the limit are checked, and a right code waits for wrong ones in flight rather than being
 * refused for them (untilSettled); only failures counted before it lock it out. A code that proves
 * nothing either way (typed again, used, expired, refused unchecked by code-failures.ts's gate,
 * or no code sent) gives its slot back uncounted. Malformed input never gets here: the callers
 * read the typed code first and refuse letters and wrong lengths beside the field.
 */

/** The ID is locked, by this wrong code or before it: the sign-in shows the locked page. */
export type IdLocked = { ok: false; reason: 'id_locked' };
const ID_LOCKED: IdLocked = { ok: false, reason: 'id_locked' };

/** A check's answer: `ok`, or why not; only 'wrong' is a guess. */
export type Checked = { ok: true } | { ok: false; reason: string };

/**
 * Runs `check` as one attempt on the ID's code counter and counts what it found: a right code
 * ends the run of failures, a wrong one adds one, anything else gives the slot back. The check's
 * own answer comes back, or ID_LOCKED when no attempt was left or this wrong code used up the last.
 */
export async function asCodeAttempt<T extends Checked>(db: Db, accountId: string, lockout: Policy['lockout'], check: () => Promise<T>, origin: AuditOrigin = {}): Promise<T | IdLocked> {
  const counted = await onIdCounter(db, accountId, lockout, check, origin);
  return 'result' in counted ? counted.result : counted;
}

/** As asCodeAttempt; after a wrong code, also how many more the ID takes before it locks (`idLeft`). */
async function onIdCounter<T extends Checked>(db: Db, accountId: string, lockout: Policy['lockout'], check: () => Promise<T>, origin: AuditOrigin): Promise<{ result: T; idLeft?: number } | IdLocked> {
  const max = limitOf(lockout, 'code');
  const { slot } = await untilSettled(async () => ({ slot: await reserveAttempt(db, accountId, 'code', max) }));
  if (slot !== 'reserved') return ID_LOCKED;
  let result: T;
  try {
    result = await check();
  } catch (error) {
    await releaseAttempt(db, accountId, 'code');
    throw error;
  }
  if (result.ok || result.reason !== 'wrong') {
    await (result.ok ? recordSuccess : releaseAttempt)(db, accountId, 'code');
    return { result };
  }
  // Failures go up one at a time, so of wrong codes racing one another exactly one reaches the
  // limit: that one locks the ID and is told so, and those before it are told the tries left.
  const failures = await recordFailure(db, accountId, 'code');
  if (failures < max) return { result, idLeft: max - failures };
  await lockIfExhausted(db, accountId, 'code', max, origin);
  return ID_LOCKED;
}

/**
 * A code sent for this sign-in (`binding`, its interaction uid), emailed or phoned, checked as one
 * attempt; a refusal is audited, with `details` saying more (e.g. the channel). A wrong code's
 * `attemptsLeft` is what the person may still type before something refuses: the code's own
 * tries, or fewer when the ID locks sooner (wrong codes of other kinds counted towards it), so
 * the page never promises tries the lock will not give. The audit keeps the code's own count.
 */
export async function checkSentCode(db: Db, accountId: string, sent: { purpose: string; binding: string }, code: string, policy: Pick<Policy, 'code_failures' | 'lockout'>, details: Record<string, string> = {}, origin: AuditOrigin = {}): Promise<CodeCheck | IdLocked> {
  const attempt = async () => {
    const check = await verifyCode(db, accountId, sent.purpose, code, new Date(), { binding: sent.binding, failures: policy.code_failures });
    if (!check.ok) await recordAudit(db, { action: 'second_step.code_failed', actor: 'anonymous', accountId, details: { reason: check.reason, attempts_left: check.attemptsLeft, ...details }, ...origin });
    return check;
  };
  const counted = await onIdCounter(db, accountId, policy.lockout, attempt, origin);
  if (!('result' in counted)) return counted;
  const { result, idLeft } = counted;
  if (result.ok || result.attemptsLeft === undefined || idLeft === undefined) return result;
  return { ...result, attemptsLeft: Math.min(result.attemptsLeft, idLeft) };
}
