import { z } from 'zod';
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

export function readRegistrationForm(body: unknown, questionCount: number): RegistrationInput {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const form = registrationForm.parse(raw);
  const questions = Array.from({ length: questionCount }, (_, i) => ({
    questionId: questionField(raw, `question${i + 1}`),
    // Answers are kept as typed; normalisation happens before they are checked and hashed.
    answer: text.parse(raw[`answer${i + 1}`]),
  }));
  const { terms, ...fields } = form;
  return { ...fields, questions, termsAccepted: terms === 'yes' };
}

/** What the page shows again after a refusal: everything but the passwords and answers. */
export function keptValues(input: RegistrationInput): Record<string, string> {
  const kept: Record<string, string> = {
    givenName: input.givenName,
    familyName: input.familyName,
    birthYear: input.birthYear,
    email: input.email,
    username: input.username,
  };
  input.questions.forEach((q, i) => {
    kept[`question${i + 1}`] = q.questionId;
  });
  if (input.termsAccepted) kept.terms = 'yes';
  return kept;
}
