import type { Account } from '../../storage/schema.js';
import type { SecondStepMethod } from '../../identity/second-step/assurance.js';
import type { FlowDeps } from '../deps.js';
import { msg, type Msg } from '../../i18n/index.js';

/** The page of each method, under /interaction/:uid/. */
export const METHOD_PATH: Record<SecondStepMethod, string> = { email_code: 'access-code', security_questions: 'security-questions' };

/**
 * The policy's methods this account can use: questions only once it has answers, and not
 * after a password reset proved by answers alone, until a sign-in completes with another proof
 * (answers that reset the password must not also stand in for the second step).
 */
export async function offeredMethods(deps: FlowDeps, account: Account): Promise<SecondStepMethod[]> {
  const answers = account.answers_barred_at ? [] : await deps.db.selectFrom('security_answers').select('question_id').where('account_id', '=', account.id).limit(1).execute();
  const offered = deps.config.policy.second_step.methods.filter((m) => m !== 'security_questions' || answers.length > 0);
  // A questions-only policy and an account without answers: the verified email is what is left.
  return offered.length > 0 ? offered : ['email_code'];
}

/** Links to the other methods, for "Use another way". */
export function otherMethods(uid: string, offered: SecondStepMethod[], current: SecondStepMethod) {
  const labels: Record<SecondStepMethod, Msg> = { email_code: msg('second.other.email_code'), security_questions: msg('second.other.questions') };
  return offered.filter((m) => m !== current).map((m) => ({ url: `/interaction/${uid}/${METHOD_PATH[m]}`, label: labels[m] }));
}
