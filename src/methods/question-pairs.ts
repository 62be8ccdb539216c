import { z } from 'zod';
import type { ChosenQuestion } from '../identity/registration/security-answers.js';

const text = z.string().max(2000).catch('');
const trimmed = text.transform((v) => v.trim());
const asRecord = (body: unknown) => (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;

/**
 * The question<n> / answer<n> pairs of the question picker (views/partials/question-picker.eta),
 * read through a guard that never throws: a missing field becomes '' for the page to name.
 */
export function readQuestionPairs(body: unknown, questionCount: number): ChosenQuestion[] {
  const raw = asRecord(body);
  return Array.from({ length: questionCount }, (_, i) => ({
    questionId: trimmed.parse(raw[`question${i + 1}`]),
    // Answers are kept as typed; normalisation happens before they are checked and hashed.
    answer: text.parse(raw[`answer${i + 1}`]),
  }));
}
