import type { Policy } from '../config/policy.js';
import { lookUpBreach } from './breached-passwords.js';
import { isCommonPassword } from './common-passwords.js';

export interface PasswordContext {
  username?: string;
  email?: string;
}

export const COMMON_PASSWORD = 'This password is too common: it is on a list of passwords attackers try first. Choose another.';
export const BREACHED_PASSWORD = 'This password has appeared in a data breach, so attackers try it. Choose another.';

/**
 * The password rules users of the replaced portals know (their public guides): length, character
 * classes, forbidden characters, never the username or email inside it, and not on the common
 * passwords list (NIST SP 800-63B section 3.1.1.2). Local and synchronous, so sign-in can ask
 * it too (authenticate.ts). Returns the message for the first rule broken, or undefined.
 */
export function checkPassword(policy: Policy['password'], password: string, who: PasswordContext = {}): string | undefined {
  const length = [...password].length;
  if (length < policy.min_length) return `Use at least ${policy.min_length} characters.`;
  if (length > policy.max_length) return `Use at most ${policy.max_length} characters.`;
  if (policy.require_upper && !/\p{Lu}/u.test(password)) return 'Include at least one upper-case letter.';
  if (policy.require_lower && !/\p{Ll}/u.test(password)) return 'Include at least one lower-case letter.';
  if (policy.require_digit && !/\p{Nd}/u.test(password)) return 'Include at least one number.';
  for (const ch of policy.forbidden_characters) {
    if (password.includes(ch)) return ch === ' ' ? 'Do not use spaces.' : `Do not use the character ${ch}`;
  }
  if (/[\p{Cc}]/u.test(password)) return 'Do not use control characters.';
  const lower = password.toLowerCase();
  for (const [label, value] of [['username', who.username], ['email address', who.email]] as const) {
    if (value && lower.includes(value.toLowerCase())) return `Do not include your ${label}.`;
  }
  if (isCommonPassword(password)) return COMMON_PASSWORD;
  return undefined;
}

/**
 * The one check for every password being set: registration, the account page, forgot
 * password, the new-password step and `portico users create`. The local rules first, then,
 * only for a password that meets them, the breach corpus (breached-passwords.ts).
 */
export async function checkNewPassword(policy: Policy['password'], password: string, who: PasswordContext = {}): Promise<string | undefined> {
  if (password === '') return 'Create a password.';
  const broken = checkPassword(policy, password, who);
  if (broken) return broken;
  return (await lookUpBreach(policy.breach_check, password)) === 'breached' ? BREACHED_PASSWORD : undefined;
}
