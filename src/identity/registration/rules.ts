import { z } from 'zod';
import type { Policy } from '../../config/policy.js';

/*
 * The registration rules. Each check returns the message to show beside its field,
 * or undefined; messages say what to do, in the words of the portals Portico replaces.
 */

type UsernamePolicy = Policy['registration']['username'];

const emailShape = z.email();
const EMAIL_MAX = 254;
const NAME_MAX = 100;
const OLDEST_AGE = 120;
const NAME_CHARACTERS = 'Use only letters, spaces, hyphens (-), apostrophes (\') and periods (.).';
/** Starts with a letter; letters, combining marks, single spaces, - ' ’ and . after it. */
const NAME_SHAPE = /^\p{L}\p{M}*(?:[\p{L}\p{M}'’.-]| (?! ))*$/u;

export function checkName(value: string, label: string): string | undefined {
  if (value === '') return `Enter your ${label}.`;
  if ([...value].length > NAME_MAX) return `Use at most ${NAME_MAX} characters.`;
  // Names go into pages and emails sent from Portico's own address: only what names are made
  // of (letters and their marks, single spaces, hyphens, apostrophes, periods for initials), so
  // a "name" cannot carry a phone number, a link or a sentence with punctuation into a mail
  // (OWASP ASVS 4.0 5.1.3, allow-list input validation; content spoofing). No control or bidi
  // characters either (Trojan Source, CVE-2021-42574).
  if (!NAME_SHAPE.test(value)) return NAME_CHARACTERS;
  return undefined;
}

export function checkEmail(value: string): string | undefined {
  if (value === '') return 'Enter your email address.';
  if (value.length > EMAIL_MAX || !emailShape.safeParse(value).success) return 'Enter an email address like name@example.com.';
  return undefined;
}

/** Letters with accents are letters that decompose into a base letter and combining marks. */
function hasAccentedLetter(value: string): boolean {
  return /\p{M}/u.test(value.normalize('NFD'));
}

export function checkUsername(policy: UsernamePolicy, value: string): string | undefined {
  if (value === '') return 'Choose a username.';
  const length = [...value].length;
  if (length < policy.min_length || length > policy.max_length) return `Use ${policy.min_length} to ${policy.max_length} characters.`;
  if (!policy.allow_spaces && /\s/u.test(value)) return 'Do not use spaces.';
  if (policy.require_letter && !/\p{L}/u.test(value)) return 'Include at least one letter.';
  if (!policy.allow_accented_letters && hasAccentedLetter(value)) return 'Do not use letters with accents.';
  const forbidden = [...policy.forbidden_characters].find((ch) => value.includes(ch));
  if (forbidden) return `Do not use the symbol ${forbidden}`;
  if (/\p{C}/u.test(value)) return 'Use letters, numbers and ordinary symbols.';
  if (!policy.allow_email_format && emailShape.safeParse(value).success) return 'Your username cannot be an email address.';
  return undefined;
}

/** Four digits, and a plausible year: not in the future, not before anyone alive, old enough. */
export function checkBirthYear(minimumAge: number, value: string, now = new Date()): string | undefined {
  if (value === '') return 'Enter the year you were born.';
  if (!/^\d{4}$/.test(value)) return 'Enter the year as four digits, like 1980.';
  const year = Number(value);
  const thisYear = now.getUTCFullYear();
  if (year > thisYear || year < thisYear - OLDEST_AGE) return 'Enter the year you were born, like 1980.';
  // Only the year is known: someone born late in the limit year is let through, not turned away.
  if (year > thisYear - minimumAge) return `You must be at least ${minimumAge} years old to create an ID.`;
  return undefined;
}

export function checkPasswordConfirmation(password: string, confirmation: string): string | undefined {
  if (confirmation === '') return 'Type your password again.';
  if (confirmation !== password) return 'The passwords do not match. Type the same password twice.';
  return undefined;
}

export function checkTerms(agreed: boolean): string | undefined {
  return agreed ? undefined : 'You must agree to the Terms of Use and the Privacy Policy to create an ID.';
}
