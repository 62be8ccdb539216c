import { z } from 'zod';
import type { Policy } from '../../config/policy.js';
import { selfRegistrable, type AccountType } from '../../config/policy-account-types.js';
import { msg, type Msg } from '../../i18n/index.js';

/*
 * The registration rules. Each check returns the message to show beside its field,
 * or undefined; messages say what to do, in the words of the portals Portico replaces. They are
 * catalogue messages (src/i18n), worded in the page's language when the form is rendered.
 */

type UsernamePolicy = Policy['registration']['username'];

const emailShape = z.email();
const EMAIL_MAX = 254;
const NAME_MAX = 100;
const OLDEST_AGE = 120;
/** Starts with a letter; letters, combining marks, single spaces, - ' ’ and . after it. */
const NAME_SHAPE = /^\p{L}\p{M}*(?:[\p{L}\p{M}'’.-]| (?! ))*$/u;

export function checkName(value: string, which: 'given' | 'family'): Msg | undefined {
  if (value === '') return msg(which === 'given' ? 'name.given_empty' : 'name.family_empty');
  if ([...value].length > NAME_MAX) return msg('name.too_long', { max: NAME_MAX });
  // Names go into pages and emails sent from Portico's own address: only what names are made
  // of (letters and their marks, single spaces, hyphens, apostrophes, periods for initials), so
  // a "name" cannot carry a phone number, a link or a sentence with punctuation into a mail
  // (OWASP ASVS 4.0 5.1.3, allow-list input validation; content spoofing). No control or bidi
  // characters either (Trojan Source, CVE-2021-42574).
  if (!NAME_SHAPE.test(value)) return msg('name.characters');
  return undefined;
}

export function checkEmail(value: string): Msg | undefined {
  if (value === '') return msg('email.empty');
  if (value.length > EMAIL_MAX || !emailShape.safeParse(value).success) return msg('email.shape');
  return undefined;
}

/** Letters with accents are letters that decompose into a base letter and combining marks. */
function hasAccentedLetter(value: string): boolean {
  return /\p{M}/u.test(value.normalize('NFD'));
}

export function checkUsername(policy: UsernamePolicy, value: string): Msg | undefined {
  if (value === '') return msg('username.empty');
  const length = [...value].length;
  if (length < policy.min_length || length > policy.max_length) return msg('username.length', { min: policy.min_length, max: policy.max_length });
  if (!policy.allow_spaces && /\s/u.test(value)) return msg('username.spaces');
  if (policy.require_letter && !/\p{L}/u.test(value)) return msg('username.letter');
  if (!policy.allow_accented_letters && hasAccentedLetter(value)) return msg('username.accents');
  const forbidden = [...policy.forbidden_characters].find((ch) => value.includes(ch));
  if (forbidden) return msg('username.symbol', { symbol: forbidden });
  if (/\p{C}/u.test(value)) return msg('username.control');
  if (!policy.allow_email_format && emailShape.safeParse(value).success) return msg('username.email');
  return undefined;
}

/** Four digits, and a plausible year: not in the future, not before anyone alive, old enough. */
export function checkBirthYear(minimumAge: number, value: string, now = new Date()): Msg | undefined {
  if (value === '') return msg('birth_year.empty');
  if (!/^\d{4}$/.test(value)) return msg('birth_year.digits');
  const year = Number(value);
  const thisYear = now.getUTCFullYear();
  if (year > thisYear || year < thisYear - OLDEST_AGE) return msg('birth_year.implausible');
  // Only the year is known: someone born late in the limit year is let through, not turned away.
  if (year > thisYear - minimumAge) return msg('birth_year.too_young', { age: minimumAge });
  return undefined;
}

export function checkPasswordConfirmation(password: string, confirmation: string): Msg | undefined {
  if (confirmation === '') return msg('confirm_password.empty');
  if (confirmation !== password) return msg('confirm_password.mismatch');
  return undefined;
}

export function checkTerms(agreed: boolean): Msg | undefined {
  return agreed ? undefined : msg('terms.required');
}

/**
 * The type a registration gives its ID: the only self-registrable one, unasked; else the one
 * picked, which must be among them (a forged value is a field error like a missing one).
 */
export function registeredAccountType(types: readonly AccountType[], chosen: string): { type: string } | { error: Msg } {
  const offered = selfRegistrable(types);
  if (offered.length === 1) return { type: offered[0]!.id };
  const type = offered.find((t) => t.id === chosen);
  return type ? { type: type.id } : { error: msg('account_type.required') };
}
