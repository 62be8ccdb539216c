import type { Policy } from '../../config/policy.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import { findAccountById } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { clearCodeFailures, countFailure, gateOf, lockCounter, type Gate } from '../code-failures.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';
import { issueCode, RECOVERY_CODE, verifyCode, type CodeCheck, type CodeSpec, type IssueRefusal } from '../one-time-codes.js';
import type { PasswordHasher } from '../passwords.js';
import { normaliseAnswer } from '../registration/security-answers.js';
import { accountQuestions, type AskedQuestion } from '../second-step/security-questions.js';
import { inTransaction } from '../transaction.js';
import { checkDecoyCode, decoySubject, issueDecoyCode } from './decoy-codes.js';
import type { RecoveryFlow } from './recovery-flow.js';

/*
 * Proving who you are in "Forgot password". The proof is the emailed code (NIST SP 800-63B
 * §3.1.3 out-of-band; knowledge-based answers are no authenticator, §3.1.1.2 and ASVS 4.0
 * §2.5.2): the account's security questions are asked as well, or instead only when
 * `recovery.allow_answers_alone` says so. Wrong codes and answers count against the account's
 * recovery door (identity/code-failures.ts): they throttle this flow, they never disable the ID.
 * A flow with no ID behind it goes through the same motions per username and never succeeds.
 */
export { RECOVERY_CODE };

export function recoveryCodeSpec(policy: Policy): CodeSpec {
  const code = policy.second_step.access_code;
  return { purpose: RECOVERY_CODE, length: policy.recovery.code_length, ttlSeconds: Math.round(code.ttl_minutes * 60), maxAttempts: code.max_attempts, throttleSeconds: code.resend_throttle_seconds };
}

/** Whose failures a flow counts: its account, or its username's decoy. */
const subjectOf = (db: Db, flow: RecoveryFlow) => (flow.accountId ? Promise.resolve(flow.accountId) : decoySubject(db, flow.data.login));

export async function sendRecoveryCode(db: Db, flow: RecoveryFlow, policy: Policy, origin: AuditOrigin = {}): Promise<{ ok: true } | IssueRefusal> {
  const spec = recoveryCodeSpec(policy);
  const account = flow.accountId ? await findAccountById(db, flow.accountId) : undefined;
  if (!account) return issueDecoyCode(db, await decoySubject(db, flow.data.login), spec);
  return inTransaction(db, async (trx) => {
    const issued = await issueCode(trx, account.id, account.email, spec);
    if (!issued.ok) return issued;
    await enqueueMail(trx, { to: account.email, template: 'recovery-code', accountId: account.id, data: { givenName: account.given_name, code: issued.code, validMinutes: policy.second_step.access_code.ttl_minutes } });
    await recordAudit(trx, { action: 'recovery.code_sent', actor: 'anonymous', accountId: account.id, ...origin });
    return { ok: true };
  });
}

/**
 * A reset code counts at the recovery door only (code-failures.ts), never towards the ID's lock
 * as a second step's code does (second-step/code-attempt.ts): this door needs only a username,
 * so if its wrong codes locked the ID anyone could lock anyone out.
 */
export async function checkRecoveryCode(db: Db, flow: RecoveryFlow, code: string, policy: Policy, origin: AuditOrigin = {}): Promise<CodeCheck> {
  if (!flow.accountId) return checkDecoyCode(db, await decoySubject(db, flow.data.login), policy.code_failures);
  const check = await verifyCode(db, flow.accountId, RECOVERY_CODE, code, new Date(), { failures: policy.code_failures });
  if (!check.ok) await recordAudit(db, { action: 'recovery.code_failed', actor: 'anonymous', accountId: flow.accountId, details: { reason: check.reason }, ...origin });
  return check;
}

/** Whether the account has security answers to ask after its code. */
export async function hasAnswers(db: Db, accountId: string | null): Promise<boolean> {
  if (!accountId) return false;
  return (await db.selectFrom('security_answers').select('question_id').where('account_id', '=', accountId).limit(1).execute()).length > 0;
}

/** The account's questions; for a flow without answers behind it, the same questions every time for that username. */
export async function recoveryQuestions(db: Db, policy: Policy['registration']['security_questions'], flow: RecoveryFlow): Promise<AskedQuestion[]> {
  const real = flow.accountId ? await accountQuestions(db, policy, flow.accountId) : [];
  if (real.length > 0) return real;
  const seed = keyedHash(await codeHmacKey(db), 'decoy-questions', flow.data.login.toLowerCase());
  const pool = [...policy.questions];
  const picked: AskedQuestion[] = [];
  for (let i = 0; i < Math.max(1, policy.count) && pool.length > 0; i++) {
    const [question] = pool.splice(seed.charCodeAt(i) % pool.length, 1);
    picked.push({ questionId: question!.id, text: question!.text });
  }
  return picked.sort((a, b) => a.questionId.localeCompare(b.questionId));
}

export type RecoveryAnswerCheck = { ok: true } | { ok: false; gate: Gate; checked: boolean };

/**
 * All answers must match. The failure is counted before the (argon2) check, as passwords are,
 * so the counter row is not held during hashing; a success takes it back with the rest.
 * An account without answers, or no account, spends the same argon2 work and never succeeds.
 */
export async function checkRecoveryAnswers(db: Db, hasher: PasswordHasher, policy: Policy, flow: RecoveryFlow, answers: Map<string, string>, origin: AuditOrigin = {}): Promise<RecoveryAnswerCheck> {
  const subject = await subjectOf(db, flow);
  const now = new Date();
  const counted = await inTransaction(db, async (trx) => {
    const counter = await lockCounter(trx, subject, 'recovery');
    const gate = gateOf(counter, policy.code_failures, now);
    return gate.open ? { admitted: true, after: await countFailure(trx, subject, 'recovery', counter.failures, policy.code_failures, now) } : { admitted: false, after: gate };
  });
  if (!counted.admitted) return { ok: false, gate: counted.after, checked: false };
  const stored = flow.accountId ? await db.selectFrom('security_answers').select(['question_id', 'answer_hash']).where('account_id', '=', flow.accountId).execute() : [];
  const results = stored.length > 0
    ? await Promise.all(stored.map((s) => hasher.verify(s.answer_hash, normaliseAnswer(answers.get(s.question_id) ?? ''))))
    : await Promise.all([...answers.values()].map(async (a) => { await hasher.verifyDecoy(a); return false; }));
  if (stored.length > 0 && results.every(Boolean)) {
    await clearCodeFailures(db, subject, 'recovery');
    return { ok: true };
  }
  if (flow.accountId) await recordAudit(db, { action: 'recovery.answers_failed', actor: 'anonymous', accountId: flow.accountId, ...origin });
  return { ok: false, gate: counted.after, checked: true };
}
