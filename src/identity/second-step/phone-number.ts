import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

/** Longer than any number written out with spaces and an extension: refused before parsing. */
export const PHONE_INPUT_MAX = 32;

/**
 * Types a code can go to. Premium-rate, shared-cost and toll-free numbers cost the sender (or
 * earn a fraudster) money per message; pagers, VoIP, personal, UAN and voicemail numbers, and
 * those whose type is unknown, may not be a phone the person holds.
 */
const ALLOWED_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

export type NumberProblem = 'too_long' | 'malformed' | 'foreign' | 'kind';

export type ParsedNumber = { ok: true; e164: string } | { ok: false; problem: NumberProblem };

/** Full-width digits (U+FF10..U+FF19), as some keyboards type them, as ASCII digits. */
export const asciiDigits = (value: string): string => value.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30));

/**
 * A typed number in E.164, or why not: national numbers are read in the first allowed
 * country's format, international ones (+...) must belong to an allowed country. Letters are
 * refused rather than read as a keypad's digits (1-800-FLOWERS): nobody types their own number so.
 */
export function parsePhoneNumber(input: string, countries: readonly string[]): ParsedNumber {
  if (input.length > PHONE_INPUT_MAX) return { ok: false, problem: 'too_long' };
  const typed = asciiDigits(input.normalize('NFKC')).trim();
  if (!/^\+?[\d\s().-]+$/.test(typed)) return { ok: false, problem: 'malformed' };
  const parsed = parsePhoneNumberFromString(typed, { defaultCountry: countries[0] as CountryCode });
  if (!parsed || !parsed.isValid()) return { ok: false, problem: 'malformed' };
  if (!parsed.country || !countries.includes(parsed.country)) return { ok: false, problem: 'foreign' };
  const type = parsed.getType();
  if (!type || !ALLOWED_TYPES.has(type)) return { ok: false, problem: 'kind' };
  return { ok: true, e164: parsed.number };
}

/** The last two digits: what pages, mails and logs show of a number ("ending in 42"). */
export const numberEnding = (e164: string): string => e164.slice(-2);

/** A number as logs and audit events carry it: every digit but the last two hidden. */
export const maskNumber = (e164: string): string => `${'*'.repeat(Math.max(0, e164.length - 2))}${numberEnding(e164)}`;
