import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { notify } from '../account-settings.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { latestCode, verifyCode, type CodeCheck } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import { maskNumber, parsePhoneNumber, type NumberProblem } from './phone-number.js';
import { sendChangeNotice, sendPhoneCode, type PhoneChannel, type PhoneEnv, type SendResult } from './phone-send.js';
import { phoneOf } from './phone.js';

/*
 * Setting up, changing and removing the account's number from the account page. A new number
 * is only stored once a code sent to it is typed back; until then it waits in phone_pending,
 * which signs nobody in. Changing a number needs a code sent to the current one first (whoever
 * holds a session left open cannot move the second step to their own phone), or the help desk.
 */

export const PHONE_ENROL = 'phone_enrol';
/** How long a confirmed code from the current number allows a change. */
const PROOF_MINUTES = 15;
const CURRENT = 'current';
const newBinding = (e164: string) => `new:${e164}`;

export type EnrolmentStage =
  /** A number is set: a code to it comes before a change. `codeSent`: the code form is shown. */
  | { stage: 'prove_current'; current: string; codeSent: boolean }
  /** No number yet, or the current one was proved: a new number and how to send its code. */
  | { stage: 'enter_new'; current?: string }
  /** A code went to the new number: typing it back stores the number. */
  | { stage: 'confirm_new'; current?: string; pending: string };

export async function enrolmentStage(db: Db, accountId: string, now = new Date()): Promise<EnrolmentStage> {
  const current = await phoneOf(db, accountId);
  const pending = await db.selectFrom('phone_pending').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  const proved = !current || (pending?.current_proved_at && now.getTime() - pending.current_proved_at.getTime() < PROOF_MINUTES * 60_000);
  if (!proved) return { stage: 'prove_current', current, codeSent: (await latestCode(db, accountId, PHONE_ENROL, CURRENT)) !== undefined };
  if (pending?.new_e164) return { stage: 'confirm_new', current, pending: pending.new_e164 };
  return { stage: 'enter_new', current };
}

/** A code to the current number, before a change. */
export async function sendToCurrent(env: PhoneEnv, account: Account, channel: PhoneChannel, origin: AuditOrigin = {}): Promise<SendResult> {
  const current = await phoneOf(env.db, account.id);
  if (!current) return { ok: false, reason: 'unreachable' };
  return sendPhoneCode(env, account, current, channel, { purpose: PHONE_ENROL, binding: CURRENT }, origin);
}

export async function proveCurrent(db: Db, account: Account, code: string, failures: Policy['code_failures'], origin: AuditOrigin = {}): Promise<CodeCheck> {
  const check = await verifyCode(db, account.id, PHONE_ENROL, code, new Date(), { binding: CURRENT, failures });
  if (!check.ok) {
    await recordAudit(db, { action: 'phone.code_failed', actor: `account:${account.id}`, accountId: account.id, details: { reason: check.reason, step: 'current' }, ...origin });
    return check;
  }
  await db
    .insertInto('phone_pending')
    .values({ account_id: account.id, current_proved_at: new Date(), new_e164: null })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ current_proved_at: new Date(), new_e164: null }))
    .execute();
  return check;
}

export type NewNumberResult = SendResult | { ok: false; reason: 'number'; problem: NumberProblem | 'same' } | { ok: false; reason: 'not_proved' };

/**
 * A new number typed on the page: checked, then sent a code. Only once the gateway took the
 * code is the number kept as pending: a number that could not be reached is not remembered.
 */
export async function startNewNumber(env: PhoneEnv, account: Account, typed: string, channel: PhoneChannel, origin: AuditOrigin = {}): Promise<NewNumberResult> {
  const stage = await enrolmentStage(env.db, account.id);
  if (stage.stage === 'prove_current') return { ok: false, reason: 'not_proved' };
  const parsed = parsePhoneNumber(typed, env.policy.countries);
  if (!parsed.ok) return { ok: false, reason: 'number', problem: parsed.problem };
  if (parsed.e164 === stage.current) return { ok: false, reason: 'number', problem: 'same' };
  const sent = await sendPhoneCode(env, account, parsed.e164, channel, { purpose: PHONE_ENROL, binding: newBinding(parsed.e164) }, origin);
  if (!sent.ok) return sent;
  await env.db
    .insertInto('phone_pending')
    .values({ account_id: account.id, new_e164: parsed.e164 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ new_e164: parsed.e164 }))
    .execute();
  return sent;
}

/** Another code to the pending number (by text or call). */
export async function resendToNew(env: PhoneEnv, account: Account, channel: PhoneChannel, origin: AuditOrigin = {}): Promise<SendResult> {
  const stage = await enrolmentStage(env.db, account.id);
  if (stage.stage !== 'confirm_new') return { ok: false, reason: 'unreachable' };
  return sendPhoneCode(env, account, stage.pending, channel, { purpose: PHONE_ENROL, binding: newBinding(stage.pending) }, origin);
}

export type Confirmed = { ok: true; changed: boolean } | { ok: false; check?: Exclude<CodeCheck, { ok: true }> };

/**
 * The code the new number received: the number is stored (replacing the old one), audited, the
 * owner told by email; on a change both numbers are told by text too, after the commit.
 */
export async function confirmNewNumber(env: PhoneEnv, account: Account, code: string, failures: Policy['code_failures'], origin: AuditOrigin = {}): Promise<Confirmed> {
  const stage = await enrolmentStage(env.db, account.id);
  if (stage.stage !== 'confirm_new') return { ok: false };
  const e164 = stage.pending;
  const outcome = await inTransaction(env.db, async (trx) => {
    const check = await verifyCode(trx, account.id, PHONE_ENROL, code, new Date(), { binding: newBinding(e164), failures });
    if (!check.ok) return { ok: false as const, check };
    const previous = await trx.selectFrom('phone_numbers').select('e164').where('account_id', '=', account.id).forUpdate().executeTakeFirst();
    await trx
      .insertInto('phone_numbers')
      .values({ account_id: account.id, e164, confirmed_at: new Date() })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ e164, confirmed_at: new Date() }))
      .execute();
    await trx.deleteFrom('phone_pending').where('account_id', '=', account.id).execute();
    const details = { number: maskNumber(e164), ...(previous ? { previous: maskNumber(previous.e164) } : {}) };
    await recordAudit(trx, { action: previous ? 'phone.changed' : 'phone.enrolled', actor: `account:${account.id}`, accountId: account.id, details, ...origin });
    await notify(trx, account, previous ? 'phone_changed' : 'phone');
    return { ok: true as const, previous: previous?.e164 };
  });
  if (!outcome.ok) {
    await recordAudit(env.db, { action: 'phone.code_failed', actor: `account:${account.id}`, accountId: account.id, details: { reason: outcome.check.reason, step: 'new' }, ...origin });
    return outcome;
  }
  if (outcome.previous) {
    for (const to of [outcome.previous, e164]) await sendChangeNotice(env, account, to, e164);
  }
  return { ok: true, changed: outcome.previous !== undefined };
}

/** Forgets the pending number, to type another; a proof of the current number still counts. */
export async function cancelPending(db: Db, accountId: string): Promise<void> {
  await db.updateTable('phone_pending').set({ new_e164: null }).where('account_id', '=', accountId).execute();
  await db.deleteFrom('phone_pending').where('account_id', '=', accountId).where('current_proved_at', 'is', null).execute();
}

/**
 * Deletes the number and anything pending; tells the owner by email when a number went.
 * Whether one went; the caller audits who did it.
 */
export async function deletePhone(trx: Db, account: Account, by: 'owner' | 'help_desk' = 'owner'): Promise<boolean> {
  await trx.deleteFrom('phone_pending').where('account_id', '=', account.id).execute();
  const removed = await trx.deleteFrom('phone_numbers').where('account_id', '=', account.id).returning('e164').executeTakeFirst();
  if (!removed) return false;
  await notify(trx, account, by === 'owner' ? 'phone_removed' : 'phone_reset');
  return true;
}

/** The owner removes the number from the account page: audited, and told by email. */
export function removePhone(db: Db, account: Account, origin: AuditOrigin = {}): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const removed = await deletePhone(trx, account);
    if (removed) await recordAudit(trx, { action: 'phone.removed', actor: `account:${account.id}`, accountId: account.id, ...origin });
    return removed;
  });
}
