import type { Policy } from '../../config/policy.js';
import type { Msg } from '../../i18n/index.js';
import { msg } from '../../i18n/index.js';
import { checkNewPassword } from '../password-policy.js';
import { signatureMatches } from '../terms.js';
import { checkFieldErrors, checkValues } from './identity-check.js';
import {
  checkBirthYear,
  checkEmail,
  checkName,
  checkPasswordConfirmation,
  checkTerms,
  checkUsername,
  registeredAccountType,
} from './rules.js';

/**
 * What the person typed, trimmed where spaces cannot matter; passwords as typed. No security
 * questions: they are enrolled once the address is verified (pre-registration hijack).
 */
export interface RegistrationInput {
  givenName: string;
  familyName: string;
  birthYear: string;
  email: string;
  username: string;
  password: string;
  confirmPassword: string;
  termsAccepted: boolean;
  /** The full name typed to sign the terms, when the policy asks for it; '' otherwise. */
  signature?: string;
  /** The account type picked ("I am a…"); '' when the page did not ask. */
  accountType?: string;
  /** What was typed in identity-check fields, by form name (identity-check.ts); only the chosen type's are read. */
  checkFields?: Record<string, string>;
}

/** Field name -> message to show beside it. */
export type FieldErrors = Record<string, Msg>;

/** Every registration rule at once, so the form shows every problem in one round trip. */
export async function validateRegistration(policy: Policy, input: RegistrationInput, now = new Date()): Promise<FieldErrors> {
  const rules = policy.registration;
  const type = registeredAccountType(policy.account_types, input.accountType ?? '');
  const found: Record<string, Msg | undefined> = {
    accountType: 'error' in type ? type.error : undefined,
    givenName: checkName(input.givenName, 'given'),
    familyName: checkName(input.familyName, 'family'),
    birthYear: checkBirthYear(rules.minimum_age, input.birthYear, now),
    email: checkEmail(input.email),
    username: checkUsername(rules.username, input.username),
    password: await checkNewPassword(policy.password, input.password, { username: input.username, email: input.email }),
    confirmPassword: input.password === '' ? undefined : checkPasswordConfirmation(input.password, input.confirmPassword),
    signature: rules.terms.require_signature ? checkSignature(input) : undefined,
    terms: checkTerms(input.termsAccepted),
  };
  const fields = Object.fromEntries(Object.entries(found).filter((entry): entry is [string, Msg] => entry[1] !== undefined));
  return { ...fields, ...checkErrors(policy, 'error' in type ? undefined : type.type, input, now) };
}

/** The chosen type's identity-check fields, when it has a check. */
function checkErrors(policy: Policy, accountType: string | undefined, input: RegistrationInput, now: Date): FieldErrors {
  const check = policy.account_types.find((t) => t.id === accountType)?.identity_check;
  if (!accountType || !check) return {};
  return checkFieldErrors(accountType, check, checkValues(accountType, check, input.checkFields ?? {}), now);
}

/** The signature follows the later-version prompt's rule: the first and last name typed above. */
function checkSignature(input: RegistrationInput): Msg | undefined {
  const signature = (input.signature ?? '').trim();
  if (signature === '' || !signatureMatches(signature, input)) return msg('register.error.signature');
  return undefined;
}
