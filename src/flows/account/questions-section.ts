import type { FlowDeps } from '../deps.js';

/** The security page's questions form: the policy's questions and how many to choose. */
export function questionsSection(deps: FlowDeps): { questions: unknown; questionCount: number; answerMinLength: number } {
  const questions = deps.config.policy.registration.security_questions;
  return { questions: questions.questions, questionCount: questions.count, answerMinLength: questions.answer_min_length };
}
