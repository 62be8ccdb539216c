import type { Policy } from '../config/policy.js';
import { lookUpBreach } from './breached-passwords.js';
import { isCommonPassword } from './common-passwords.js';
import { msg, type Msg } from '../i18n/index.js';

export interface PasswordContext {
  username?: string;
  email?: string;
}


/**
 * The password rules users of the replaced portals know (their public guides): length, character
 * classes, forbidden characters, never the username or email inside it, and not on the common
 * passwords list (NIST SP 800-63B section 3.1.1.2). Local and synchronous, so sign-in can ask
 * it too (authenticate.ts). Returns the message for the first rule broken, or undefined:
 * a catalogue Msg, worded in the page's language by the view, in English by the CLI.
 */
export function checkPassword(policy: Policy['password'], password: string, who: PasswordContext = {}): Msg | undefined {
  const length = [...password].length;
  if (length < policy.min_length) return msg('password.too_short', { min: policy.min_length });
  if (length > policy.max_length) return msg('password.too_long', { max: policy.max_length });
  if (policy.require_upper && !/\p{Lu}/u.test(password)) return msg('password.upper');
  if (policy.require_lower && !/\p{Ll}/u.test(password)) return msg('password.lower');
  if (policy.require_digit && !/\p{Nd}/u.test(password)) return msg('password.digit');
  for (const ch of policy.forbidden_characters) {
    if (password.includes(ch)) return ch === ' ' ? msg('password.spaces') : msg('password.character', { character: ch });
  }
  if (/[\p{Cc}]/u.test(password)) return msg('password.control');
  const lower = password.toLowerCase();
  for (const [key, value] of [['password.contains_username', who.username], ['password.contains_email', who.email]] as const) {
    if (value && lower.includes(value.toLowerCase())) return msg(key);
  }
  if (isCommonPassword(password)) return msg('password.common');
  return undefined;
}

/**
 * The one check for every password being set: registration, the account page, forgot
 * password, the new-password step and `portico users create`. The local rules first, then,
 * only for a password that meets them, the breach corpus (breached-passwords.ts).
 */
export async function checkNewPassword(policy: Policy['password'], password: string, who: PasswordContext = {}): Promise<Msg | undefined> {
  if (password === '') return msg('password.empty');
  const broken = checkPassword(policy, password, who);
  if (broken) return broken;
  return (await lookUpBreach(policy.breach_check, password)) === 'breached' ? msg('password.breached') : undefined;
}
