import type { Policy } from '../../config/policy.js';
import { msg, type Msg } from '../../i18n/index.js';
import type { Db } from '../../storage/database.js';
import type { PasswordHasher } from '../passwords.js';

type QuestionPolicy = Policy['registration']['security_questions'];

/**
 * Answers are compared the way people type them: "New  York" and "new york" are the same
 * answer. NFKC folds look-alike forms (full-width letters) before case and spaces.
 */
export function normaliseAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export interface ChosenQuestion {
  questionId: string;
  answer: string;
}

/** Field messages for the question pairs, keyed `question<n>` and `answer<n>` (1-based). */
export function checkSecurityQuestions(policy: QuestionPolicy, chosen: ChosenQuestion[]): Record<string, Msg> {
  const errors: Record<string, Msg> = {};
  const known = new Set(policy.questions.map((q) => q.id));
  const seenQuestions = new Set<string>();
  const seenAnswers = new Set<string>();
  chosen.forEach(({ questionId, answer }, index) => {
    const n = index + 1;
    if (!known.has(questionId)) errors[`question${n}`] = msg('question.choose');
    else if (seenQuestions.has(questionId)) errors[`question${n}`] = msg('question.duplicate');
    seenQuestions.add(questionId);
    const normalised = normaliseAnswer(answer);
    if (normalised === '') errors[`answer${n}`] = msg('answer.empty');
    else if ([...normalised].length < policy.answer_min_length) errors[`answer${n}`] = msg('answer.too_short', { min: policy.answer_min_length });
    else if ([...normalised].length > 100) errors[`answer${n}`] = msg('answer.too_long', { max: 100 });
    else if (seenAnswers.has(normalised)) errors[`answer${n}`] = msg('answer.duplicate');
    seenAnswers.add(normalised);
  });
  return errors;
}

export async function hashAnswers(hasher: PasswordHasher, chosen: ChosenQuestion[]): Promise<Array<{ questionId: string; hash: string }>> {
  return Promise.all(chosen.map(async (q) => ({ questionId: q.questionId, hash: await hasher.hash(normaliseAnswer(q.answer)) })));
}

export async function saveAnswers(db: Db, accountId: string, hashed: Array<{ questionId: string; hash: string }>): Promise<void> {
  if (hashed.length === 0) return;
  await db
    .insertInto('security_answers')
    .values(hashed.map((a) => ({ account_id: accountId, question_id: a.questionId, answer_hash: a.hash })))
    .execute();
}
