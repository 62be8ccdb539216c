import type { Policy } from '../../config/policy.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import { findAccountById } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';
import { issueCode, verifyCode, type CodeCheck, type IssueResult } from '../one-time-codes.js';
import { accessCodeSpec } from '../second-step/access-code.js';
import { accountQuestions, checkAnswers, type AnswerCheck, type AskedQuestion } from '../second-step/security-questions.js';
import type { PasswordHasher } from '../passwords.js';
import { inTransaction } from '../transaction.js';
import { countDecoyFailure, sendDecoyCode, type RecoveryFlow } from './recovery-flow.js';

/*
 * Proving who you are in "Forgot password": the same emailed code and security questions, with
 * the same limits and lockout, as the second step of sign-in (issue 5, item 2). A flow with no
 * ID behind it goes through the same motions and never succeeds.
 */
export const RECOVERY_CODE = 'recovery';

export async function sendRecoveryCode(db: Db, flow: RecoveryFlow, policy: Policy['second_step']['access_code'], origin: AuditOrigin = {}): Promise<IssueResult | { ok: true; decoy: true }> {
  const account = flow.account_id ? await findAccountById(db, flow.account_id) : undefined;
  if (!account) {
    const spec = accessCodeSpec(policy);
    if (await sendDecoyCode(db, flow, spec.throttleSeconds, spec.maxAttempts)) return { ok: true, decoy: true };
    return { ok: false, reason: 'throttled', retryAfterSeconds: spec.throttleSeconds };
  }
  return inTransaction(db, async (trx) => {
    const issued = await issueCode(trx, account.id, account.email, { ...accessCodeSpec(policy), purpose: RECOVERY_CODE });
    if (!issued.ok) return issued;
    await enqueueMail(trx, { to: account.email, template: 'recovery-code', accountId: account.id, data: { givenName: account.given_name, code: issued.code, validMinutes: policy.ttl_minutes } });
    await recordAudit(trx, { action: 'recovery.code_sent', actor: 'anonymous', accountId: account.id, ...origin });
    return issued;
  });
}

export async function checkRecoveryCode(db: Db, flow: RecoveryFlow, code: string, maxAttempts: number, origin: AuditOrigin = {}): Promise<CodeCheck> {
  if (!flow.account_id) {
    const failures = await countDecoyFailure(db, flow, maxAttempts);
    return failures === undefined ? { ok: false, reason: 'too_many_attempts' } : { ok: false, reason: 'wrong', attemptsLeft: maxAttempts - failures };
  }
  const check = await verifyCode(db, flow.account_id, RECOVERY_CODE, code);
  if (!check.ok) await recordAudit(db, { action: 'recovery.code_failed', actor: 'anonymous', accountId: flow.account_id, details: { reason: check.reason }, ...origin });
  return check;
}

/** The account's questions; for a flow without answers behind it, the same questions every time for that username. */
export async function recoveryQuestions(db: Db, policy: Policy['registration']['security_questions'], flow: RecoveryFlow): Promise<AskedQuestion[]> {
  const real = flow.account_id ? await accountQuestions(db, policy, flow.account_id) : [];
  if (real.length > 0) return real;
  const seed = keyedHash(await codeHmacKey(db), 'decoy-questions', flow.login.toLowerCase());
  const pool = [...policy.questions];
  const picked: AskedQuestion[] = [];
  for (let i = 0; i < Math.max(1, policy.count) && pool.length > 0; i++) {
    const [question] = pool.splice(seed.charCodeAt(i) % pool.length, 1);
    picked.push({ questionId: question!.id, text: question!.text });
  }
  return picked.sort((a, b) => a.questionId.localeCompare(b.questionId));
}

export async function checkRecoveryAnswers(db: Db, hasher: PasswordHasher, lockout: Policy['lockout'], flow: RecoveryFlow, answers: Map<string, string>, origin: AuditOrigin = {}): Promise<AnswerCheck> {
  const hasAnswers = flow.account_id ? (await db.selectFrom('security_answers').select('question_id').where('account_id', '=', flow.account_id).limit(1).execute()).length > 0 : false;
  if (flow.account_id && hasAnswers) return checkAnswers(db, hasher, lockout, flow.account_id, answers, origin);
  // Same cost as a real check: one argon2 verification per answer.
  for (const answer of answers.values()) await hasher.verifyDecoy(answer);
  const failures = await countDecoyFailure(db, flow, lockout.max_failed_answers);
  return failures === undefined ? { ok: false, reason: 'locked' } : { ok: false, reason: 'wrong', attemptsLeft: lockout.max_failed_answers - failures };
}
