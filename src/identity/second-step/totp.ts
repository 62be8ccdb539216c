import { randomInt } from 'node:crypto';
import { generateSecret, generateSync, generateURI } from 'otplib';
import { hashesEqual } from '../keyed-hash.js';
import { normaliseTypedCode } from '../typed-code.js';

/*
 * RFC 6238 codes as authenticator apps show them: HMAC-SHA1, 6 digits, 30-second steps from
 * the Unix epoch (the defaults every app reads from an otpauth:// URI), and what a person may
 * type into the one field: an app's code or one of the account's recovery codes.
 */
export const PERIOD_SECONDS = 30;
export const DIGITS = 6;
/** One step either way: a phone's clock a little off, or a code typed as it changed (RFC 6238 §5.2). */
export const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;

/** Lower case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i). */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 10;

/** A new secret: 20 random bytes (160 bits, RFC 4226 §4 R6), base32. */
export const newSecret = (): string => generateSecret({ length: 20 });

/** The key as a person types it into an app: base32 in groups of four. */
export const groupedKey = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** What an app scans (the QR code). */
export const otpauthUri = (issuer: string, label: string, secret: string): string => generateURI({ issuer, label, secret, period: PERIOD_SECONDS, digits: DIGITS });

export const timeStep = (now: Date): number => Math.floor(now.getTime() / 1000 / PERIOD_SECONDS);

export const codeAt = (secret: string, step: number): string => generateSync({ secret, epoch: step * PERIOD_SECONDS, period: PERIOD_SECONDS, digits: DIGITS });

/**
 * The step, within the drift either way, whose code this is; undefined when none. Every step
 * is computed and compared in constant time, so the answer's timing does not say which matched.
 */
export function matchStep(secret: string, code: string, now: Date): number | undefined {
  const current = timeStep(now);
  let found: number | undefined;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (hashesEqual(codeAt(secret, step), code) && found === undefined) found = step;
  }
  return found;
}

/**
 * What was typed, as the field reads it (identity/typed-code.ts), and a recovery code's
 * full-width letters as ASCII too (NFKC), in lower case.
 */
export const normaliseCode = (typed: string): string => normaliseTypedCode(typed.normalize('NFKC')).toLowerCase();

export type TypedCode = { kind: 'app'; code: string } | { kind: 'recovery'; code: string } | { kind: 'malformed' };

/** An app's code (6 digits) or a recovery code (10 of its letters and digits); anything else is refused unseen. */
export function readTypedCode(typed: string): TypedCode {
  const code = normaliseCode(typed.slice(0, 100));
  if (new RegExp(`^\\d{${DIGITS}}$`).test(code)) return { kind: 'app', code };
  if (new RegExp(`^[${RECOVERY_ALPHABET}]{${RECOVERY_LENGTH}}$`).test(code)) return { kind: 'recovery', code };
  return { kind: 'malformed' };
}

/** A new recovery code, about 50 bits: guessing one within the failure limits is hopeless. */
export const newRecoveryCode = (): string => Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');

/** As shown once to the person: two groups of five. */
export const shownRecoveryCode = (code: string): string => `${code.slice(0, 5)}-${code.slice(5)}`;
