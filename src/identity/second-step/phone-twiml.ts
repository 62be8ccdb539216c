import type { Locale } from '../../i18n/index.js';

/** Twilio's <Say> voices speak these; Spanish as spoken in the US, like the pages' Spanish. */
const SAY_LANGUAGE: Record<Locale, string> = { en: 'en-US', es: 'es-US' };

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (value: string): string => value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** "1, 2, 3, 4, 5, 6": a voice reads digits one by one, with a breath between them, not "one hundred twenty-three thousand". */
export const spokenDigits = (code: string): string => code.split('').join(', ');

/**
 * What a call says (TwiML): the lead, the code digit by digit, a pause, and the code again, in
 * the person's language. `lead` and `again` are the catalogue's words; everything is escaped.
 */
export function codeCallTwiml(code: string, locale: Locale, words: { lead: string; again: string; bye: string }): string {
  const language = SAY_LANGUAGE[locale];
  const say = (text: string) => `<Say language="${language}">${escapeXml(text)}</Say>`;
  const digits = escapeXml(spokenDigits(code));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Response>',
    `<Pause length="1"/>`,
    say(words.lead),
    `<Say language="${language}">${digits}</Say>`,
    '<Pause length="2"/>',
    say(words.again),
    `<Say language="${language}">${digits}</Say>`,
    '<Pause length="1"/>',
    say(words.bye),
    '</Response>',
  ].join('');
}
