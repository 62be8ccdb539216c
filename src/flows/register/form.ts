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
  accountType: trimmed,
  // A name typed to sign the terms; kept as typed (inner spaces) once trimmed, like the later prompt.
  signature: trimmed,
});

const asRecord = (body: unknown) => (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;

/** The question picker's pairs are read where the questions method lives. */
export { readQuestionPairs } from '../../methods/question-pairs.js';

/** Identity-check fields (identity/registration/identity-check.ts), by form name; only strings are kept. */
function readCheckFields(body: Record<string, unknown>): Record<string, string> {
  const posted = Object.entries(body).filter(([name]) => name.startsWith('idcheck-'));
  return Object.fromEntries(posted.map(([name, value]) => [name, trimmed.parse(value)]));
}

export function readRegistrationForm(body: unknown): RegistrationInput {
  const record = asRecord(body);
  const { terms, ...fields } = registrationForm.parse(record);
  return { ...fields, termsAccepted: terms === 'yes', checkFields: readCheckFields(record) };
}

/** What the page shows again after a refusal: everything but the passwords. */
export function keptValues(input: RegistrationInput): Record<string, string> {
  const kept: Record<string, string> = {
    givenName: input.givenName,
    familyName: input.familyName,
    birthYear: input.birthYear,
    email: input.email,
    username: input.username,
    accountType: input.accountType ?? '',
    signature: input.signature ?? '',
    ...input.checkFields,
  };
  if (input.termsAccepted) kept.terms = 'yes';
  return kept;
}
