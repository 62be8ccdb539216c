import { z } from 'zod';

/*
 * A code as a person types it: an emailed code, an activation code, an authenticator app's.
 * A Japanese or Chinese keyboard in its usual mode types full-width digits (U+FF10..U+FF19),
 * which look like digits but are not ASCII; people paste codes with the spaces or dashes the
 * email groups them with. Neither is a mistake, so both are undone here, once, for every code
 * field. Anything else (a letter) stays, and the field's format check refuses it with the
 * message beside the field.
 */

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
/** Spaces (the ideographic one included) and dashes: ASCII, Unicode's hyphens and dashes, the full-width one. */
const SEPARATORS = /[\s\u2010-\u2015\uFF0D-]/gu;

export function normaliseTypedCode(typed: string): string {
  return typed.replace(FULL_WIDTH_DIGIT, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xff10 + 0x30)).replace(SEPARATORS, '');
}

/** A form's code field: a string (anything else reads as empty), normalised. */
export const typedCodeField = z.string().max(100).catch('').transform(normaliseTypedCode);

/** Exactly `length` ASCII digits. */
export const isDigitCode = (code: string, length: number): boolean => new RegExp(`^[0-9]{${length}}$`).test(code);
