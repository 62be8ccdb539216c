import { ACR } from '../identity/second-step/assurance.js';
import { accountQuestions, checkAnswers, enrolQuestions, hasAnswers } from '../identity/second-step/security-questions.js';
import { checkSecurityQuestions } from '../identity/registration/security-answers.js';
import { readQuestionPairs } from './question-pairs.js';
import { readAnswers } from './answers-form.js';
import { answersWrong, offerQuestions } from './security-questions-messages.js';
import type { SecondStepMethod } from './types.js';

/**
 * Security questions, counted like passwords (identity/lockout.ts). RFC 8176 §2 `kba`.
 * Offered once the account has answers, and not after a password reset proved by answers
 * alone, until a sign-in completes with another proof (answers that reset the password must
 * not also stand in for the second step).
 */
export const securityQuestions: SecondStepMethod = {
  id: 'security_questions',
  path: 'security-questions',
  amr: 'kba',
  acr: ACR.secondStep,
  offerLabel: offerQuestions,
  isAvailable: async (env, account) => !account.answers_barred_at && (await hasAnswers(env.db, account.id)),
  async render(env, step) {
    return { view: 'second-step', data: { mode: 'questions', questions: await accountQuestions(env.db, env.config.policy.registration.security_questions, step.account.id) } };
  },
  async verify(env, step, form) {
    const check = await checkAnswers(env.db, env.hasher, env.config.policy.lockout, step.account.id, readAnswers(form), step.origin);
    if (check.ok) return { ok: true };
    if (check.reason === 'locked') return { ok: false, locked: true };
    return { ok: false, messages: { fieldError: answersWrong(check.attemptsLeft) }, status: 400 };
  },
  /** An account without answers sets them once, after its second step, when the policy says so. */
  enrol: {
    path: 'enrol-questions',
    required: ({ config: { policy } }) => policy.second_step.require_security_questions && policy.registration.security_questions.count > 0,
    isEnrolled: (env, account) => hasAnswers(env.db, account.id),
    render(env) {
      const questions = env.config.policy.registration.security_questions;
      return { view: 'enrol-questions', data: { questions: questions.questions, questionCount: questions.count, answerMinLength: questions.answer_min_length } };
    },
    async submit(env, step, form) {
      const policy = env.config.policy.registration.security_questions;
      const chosen = readQuestionPairs(form, policy.count);
      const errors = checkSecurityQuestions(policy, chosen);
      if (Object.keys(errors).length > 0) return { ok: false, values: Object.fromEntries(chosen.map((q, i) => [`question${i + 1}`, q.questionId])), errors, status: 400 };
      await enrolQuestions(env.db, env.hasher, step.account.id, chosen, step.origin);
      return { ok: true };
    },
  },
};
