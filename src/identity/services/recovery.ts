import type { Db } from '../../storage/database.js';
import { findAccountById, findAccountByLogin } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import type { RecoveryState } from '../flows/recovery.js';
import { closed, type CodeCheck } from '../one-time-codes.js';
import { mailUsername } from '../recovery/forgot-username.js';
import { mailHelpDesk, recoversByHelpDesk } from '../recovery/help-desk-mail.js';
import { checkRecoveryAnswers, checkRecoveryCode, hasAnswers, recoveryQuestions, sendRecoveryCode } from '../recovery/prove.js';
import { advanceRecoveryFlow, createRecoveryFlow, findRecoveryFlow, type RecoveryFlow } from '../recovery/recovery-flow.js';
import { setPassword, type NewPassword, type SetPasswordOutcome } from '../recovery/set-password.js';
import { recoverPendingId } from '../registration/pending-ids.js';
import type { IdentityEnv } from './env.js';

export type CodeRefusal = Exclude<CodeCheck, { ok: true }>;
/** Wrong answers (`checked`), or none looked at while the door is shut; with what the door says. */
export type AnswersRefusal = { ok: false; checked: boolean; waitSeconds?: number; locked?: boolean };

/**
 * "Forgot username" and "Forgot password" (identity/flows/recovery.md): the recovery flow's
 * record, its proofs (the emailed code, the security answers) and the new password. A
 * username with no ID behind it goes through the same motions and never gets past `prove`.
 */
export function recoveryService(env: IdentityEnv) {
  const { db, hasher, policy, issuer } = env;
  return {
    /** Mails the username to the address if an ID uses it; the page answers alike either way. */
    mailUsername: (email: string, origin: AuditOrigin) => mailUsername(db, policy, email, `${issuer}/account`, origin),

    /**
     * A username in, a flow out (its id, for the browser), with a code sent or pretended. An ID
     * whose type recovers through the help desk gets the flow of a username with no ID (a
     * pretend code) and the help desk's words by mail: the pages cannot tell it apart
     * (recovery/help-desk-mail.ts says why).
     */
    async start(login: string, origin: AuditOrigin): Promise<string> {
      const found = await findAccountByLogin(db, login);
      const helpDesk = found && recoversByHelpDesk(policy, found) ? found : undefined;
      const { id, flow } = await createRecoveryFlow(db, helpDesk ? null : (found?.id ?? null), login);
      await sendRecoveryCode(db, flow, policy, origin);
      if (helpDesk) await mailHelpDesk(db, policy, helpDesk, 'password', origin);
      return id;
    },
    /** The browser's flow, if it is at one of `states`. */
    find: (id: string | undefined, states: readonly RecoveryState[]) => findRecoveryFlow(db, id, states),
    /** The states the security questions are asked at: after the code, and instead of it when policy allows. */
    answersAt: (policy.recovery.allow_answers_alone ? ['answers', 'prove'] : ['answers']) as readonly RecoveryState[],

    resendCode: (flow: RecoveryFlow, origin: AuditOrigin) => sendRecoveryCode(db, flow, policy, origin),
    /**
     * A right code proves the owner, and a pending ID's address with it (whatever was set on it
     * before is cleared: registration/pending-ids.ts). The flow goes on to the account's
     * questions when policy asks them, else to the new password; the state it went to is returned.
     */
    async proveCode(flow: RecoveryFlow, code: string, origin: AuditOrigin): Promise<{ ok: true; next: RecoveryState } | CodeRefusal> {
      const check = await checkRecoveryCode(db, flow, code, policy, origin);
      if (!check.ok) return check;
      if (!(await recoverPendingId(db, check.accountId, check.destination, origin))) return { ok: false, reason: 'used' };
      const alsoAnswers = policy.recovery.ask_security_questions && (await hasAnswers(db, flow.accountId));
      await advanceRecoveryFlow(db, flow, alsoAnswers ? 'code_ok_answers_due' : 'code_ok');
      return { ok: true, next: alsoAnswers ? 'answers' : 'new_password' };
    },

    questions: (flow: RecoveryFlow) => recoveryQuestions(db, policy.registration.security_questions, flow),
    /** All answers right: on to the new password (after the code, the code stays the proof). */
    async proveAnswers(flow: RecoveryFlow, answers: Map<string, string>, origin: AuditOrigin): Promise<{ ok: true } | AnswersRefusal> {
      const check = await checkRecoveryAnswers(db, hasher, policy, flow, answers, origin);
      if (!check.ok) return { ok: false, checked: check.checked, ...closed(check.gate) };
      await advanceRecoveryFlow(db, flow, flow.state === 'answers' ? 'answers_ok' : 'answers_alone_ok');
      return { ok: true };
    },

    /**
     * The new password; undefined when the flow has no ID behind it (decoys never get this far).
     * The flow ends in the password's own transaction: a crash cannot leave it reusable, and two
     * submits at once cannot both set a password.
     */
    async setPassword(flow: RecoveryFlow, input: NewPassword, origin: AuditOrigin): Promise<SetPasswordOutcome | undefined> {
      const account = flow.accountId ? await findAccountById(db, flow.accountId) : undefined;
      if (!account) return undefined;
      const claim = (trx: Db) => advanceRecoveryFlow(trx, flow, 'password_set');
      return setPassword(db, hasher, policy, account, input, { reason: 'recovery', endSessions: true, claim, barAnswers: flow.data.proof === 'answers', origin });
    },
  };
}

export type RecoveryService = ReturnType<typeof recoveryService>;
