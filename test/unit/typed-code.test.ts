import { describe, expect, it } from 'vitest';
import { readTypedCode } from '../../src/identity/second-step/totp.js';
import { isDigitCode, normaliseTypedCode, typedCodeField } from '../../src/identity/typed-code.js';

/*
 * Every code field reads what people type the same way: full-width digits (a Japanese or
 * Chinese keyboard's) as ASCII, spaces and dashes gone; letters stay, so the format check
 * refuses them with the field's message.
 */

describe('a typed code', () => {
  it('reads full-width digits as ASCII, and drops spaces and dashes of every width', () => {
    expect(normaliseTypedCode('１２３４５６')).toBe('123456');
    expect(normaliseTypedCode('０１２ ３４５６７８９')).toBe('0123456789');
    expect(normaliseTypedCode(' 123\u3000456 ')).toBe('123456');
    expect(normaliseTypedCode('123-456')).toBe('123456');
    expect(normaliseTypedCode('１２３－４５６')).toBe('123456');
    expect(normaliseTypedCode('123\u2013456\t')).toBe('123456');
    expect(isDigitCode(normaliseTypedCode('１２３ ４５６'), 6)).toBe(true);
  });

  it('keeps letters and other digits, which the format check refuses', () => {
    for (const typed of ['12a456', '１２ａ４５６', 'abcdef', '١٢٣٤٥٦', '12345', '1234567', '']) {
      expect(isDigitCode(normaliseTypedCode(typed), 6), typed).toBe(false);
    }
  });

  it('reads a form field: anything but a string as empty, at most 100 characters', () => {
    expect(typedCodeField.parse('１２３４５６')).toBe('123456');
    expect(typedCodeField.parse(['123456'])).toBe('');
    expect(typedCodeField.parse(undefined)).toBe('');
    expect(typedCodeField.parse('1'.repeat(101))).toBe('');
  });

  it('is what the authenticator app field reads too', () => {
    expect(readTypedCode('１２３ ４５６')).toEqual({ kind: 'app', code: '123456' });
    expect(readTypedCode('12a4b6')).toEqual({ kind: 'malformed' });
  });
});
