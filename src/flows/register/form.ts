import { z } from 'zod';
import type { ChosenQuestion } from '../../identity/registration/security-answers.js';
import type { RegistrationInput } from '../../identity/registration/validate.js';

/*
 * The registration form, read through a guard that never throws: a missing or malformed field
 * becomes '' so the page can say what is missing beside it. Rules live in identity/registration.
 */

const text = z.string().max(2000).catch('');
const trimmed = text.transform((v) => v.trim());

const registrationForm = z.object({
  givenName: trimmed,
  familyName: trimmed,
  birthYear: trimmed,
  email: trimmed,
  username: trimmed,
  password: text,
  confirmPassword: text,
  terms: z.literal('yes').optional().catch(undefined),
});

const questionField = (body: Record<string, unknown>, name: string) => trimmed.parse(body[name]);

const asRecord = (body: unknown) => (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;

/** The question<n> / answer<n> pairs of the question picker (views/partials/question-picker.eta). */
export function readQuestionPairs(body: unknown, questionCount: number): ChosenQuestion[] {
  const raw = asRecord(body);
  return Array.from({ length: questionCount }, (_, i) => ({
    questionId: questionField(raw, `question${i + 1}`),
    // Answers are kept as typed; normalisation happens before they are checked and hashed.
    answer: text.parse(raw[`answer${i + 1}`]),
  }));
}

export function readRegistrationForm(body: unknown): RegistrationInput {
  const { terms, ...fields } = registrationForm.parse(asRecord(body));
  return { ...fields, termsAccepted: terms === 'yes' };
}

/** What the page shows again after a refusal: everything but the passwords. */
export function keptValues(input: RegistrationInput): Record<string, string> {
  const kept: Record<string, string> = {
    givenName: input.givenName,
    familyName: input.familyName,
    birthYear: input.birthYear,
    email: input.email,
    username: input.username,
  };
  if (input.termsAccepted) kept.terms = 'yes';
  return kept;
}
