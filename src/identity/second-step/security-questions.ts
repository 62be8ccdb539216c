import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { limitOf, lockIfExhausted, recordFailure, recordSuccess, reserveAttempt, untilSettled } from '../lockout.js';
import type { PasswordHasher } from '../passwords.js';
import { hashAnswers, normaliseAnswer, saveAnswers, type ChosenQuestion } from '../registration/security-answers.js';
import { inTransaction } from '../transaction.js';

export interface AskedQuestion {
  questionId: string;
  text: string;
}

/** The account's questions, in the order it chose them, with the policy's wording. */
export async function accountQuestions(db: Db, policy: Policy['registration']['security_questions'], accountId: string): Promise<AskedQuestion[]> {
  const rows = await db.selectFrom('security_answers').select('question_id').where('account_id', '=', accountId).orderBy('created_at').orderBy('question_id').execute();
  const text = new Map(policy.questions.map((q) => [q.id, q.text]));
  return rows.map((r) => ({ questionId: r.question_id, text: text.get(r.question_id) ?? r.question_id }));
}

export type AnswerCheck = { ok: true } | { ok: false; reason: 'wrong'; attemptsLeft: number } | { ok: false; reason: 'locked' };

/**
 * All answers must match (argon2, after the same normalising as at enrolment). One submission
 * is one attempt; only wrong ones count, as for passwords (identity/lockout.ts): submissions
 * held back while others are checked wait, and are told to try again if that lasts.
 */
export async function checkAnswers(db: Db, hasher: PasswordHasher, lockout: Policy['lockout'], accountId: string, answers: Map<string, string>, origin: AuditOrigin = {}): Promise<AnswerCheck> {
  const max = limitOf(lockout, 'answer');
  const { slot } = await untilSettled(async () => ({ slot: await reserveAttempt(db, accountId, 'answer', max) }));
  if (slot !== 'reserved') return { ok: false, reason: 'locked' };
  const stored = await db.selectFrom('security_answers').select(['question_id', 'answer_hash']).where('account_id', '=', accountId).execute();
  const results = await Promise.all(stored.map((s) => hasher.verify(s.answer_hash, normaliseAnswer(answers.get(s.question_id) ?? ''))));
  if (stored.length > 0 && results.every(Boolean)) {
    await recordSuccess(db, accountId, 'answer');
    return { ok: true };
  }
  const failures = await recordFailure(db, accountId, 'answer');
  await recordAudit(db, { action: 'second_step.answers_failed', actor: 'anonymous', accountId, ...origin });
  if (await lockIfExhausted(db, accountId, 'answer', max, origin)) return { ok: false, reason: 'locked' };
  return { ok: false, reason: 'wrong', attemptsLeft: Math.max(0, max - failures) };
}

/** Sets (or replaces) the account's questions and answers. */
export async function enrolQuestions(db: Db, hasher: PasswordHasher, accountId: string, chosen: ChosenQuestion[], origin: AuditOrigin = {}): Promise<void> {
  const hashed = await hashAnswers(hasher, chosen);
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('security_answers').where('account_id', '=', accountId).execute();
    await saveAnswers(trx, accountId, hashed);
    await recordAudit(trx, { action: 'security_questions.enrolled', actor: `account:${accountId}`, accountId, details: { questions: chosen.map((q) => q.questionId) }, ...origin });
  });
}

/** Whether the account has answers on file. */
export async function hasAnswers(db: Db, accountId: string): Promise<boolean> {
  const rows = await db.selectFrom('security_answers').select('question_id').where('account_id', '=', accountId).limit(1).execute();
  return rows.length > 0;
}

/**
 * A sign-in completed with another proof than answers: answers barred since a password reset
 * made with them (identity/recovery/set-password.ts) may be the second step again.
 */
export async function liftAnswersBar(db: Db, accountId: string): Promise<void> {
  await db.updateTable('accounts').set({ answers_barred_at: null }).where('id', '=', accountId).execute();
}
