import type { Db } from '../../storage/database.js';
import { countFailure, gateOf, lockCounter, type CodeFailuresPolicy } from '../code-failures.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';
import { closed, issuability, refusal, type CodeCheck, type CodeSpec, type IssueRefusal } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';

/*
 * "Forgot password" for a username with no ID behind it goes through the same motions as a real
 * one, under the same rules (one_time_codes' issuability and refusal, code-failures' counter),
 * kept per username rather than per flow: a new flow, or a new code, finds the pretend state
 * exactly as it would find a real ID's (OWASP Forgot Password Cheat Sheet: consistent responses).
 */
const LABEL = 'decoy-subject';

/** The counter subject of a username with no ID: a keyed hash, so the table holds no typed names. */
export async function decoySubject(db: Db, login: string): Promise<string> {
  return `decoy:${keyedHash(await codeHmacKey(db), LABEL, login.trim().toLowerCase())}`;
}

/** The pretend code row, locked; a first one is a placeholder that expired long ago. */
async function lockDecoyCode(trx: Db, subject: string, maxAttempts: number) {
  const epoch = new Date(0);
  await trx.insertInto('decoy_codes').values({ subject, max_attempts: maxAttempts, created_at: epoch, expires_at: epoch }).onConflict((oc) => oc.column('subject').doNothing()).execute();
  const row = await trx.selectFrom('decoy_codes').selectAll().where('subject', '=', subject).forUpdate().executeTakeFirstOrThrow();
  return { ...row, consumed_at: null };
}

/** "Sends" a code: refused exactly when issueCode would refuse a real one. */
export function issueDecoyCode(db: Db, subject: string, spec: CodeSpec, now = new Date()): Promise<{ ok: true } | IssueRefusal> {
  return inTransaction(db, async (trx) => {
    const live = await lockDecoyCode(trx, subject, spec.maxAttempts);
    const issuable = issuability(live, spec, now);
    if (!issuable.ok) return issuable;
    const expires_at = new Date(now.getTime() + spec.ttlSeconds * 1000);
    await trx.updateTable('decoy_codes').set({ attempts: issuable.carried, max_attempts: spec.maxAttempts, created_at: now, expires_at }).where('subject', '=', subject).execute();
    return { ok: true };
  });
}

/** A typed code, always wrong, refused and counted as verifyCode would count a real one. */
export function checkDecoyCode(db: Db, subject: string, policy: CodeFailuresPolicy, now = new Date()): Promise<CodeCheck> {
  return inTransaction(db, async (trx) => {
    const counter = await lockCounter(trx, subject, 'recovery');
    const row = await lockDecoyCode(trx, subject, 1);
    const refused = refusal(row, now);
    if (refused) return { ok: false, reason: refused };
    const gate = gateOf(counter, policy, now);
    if (!gate.open) return { ok: false, reason: 'too_many_attempts', ...closed(gate) };
    await trx.updateTable('decoy_codes').set({ attempts: row.attempts + 1 }).where('subject', '=', subject).execute();
    const after = await countFailure(trx, subject, 'recovery', counter.failures, policy, now);
    return { ok: false, reason: 'wrong', attemptsLeft: row.max_attempts - row.attempts - 1, ...closed(after) };
  });
}
