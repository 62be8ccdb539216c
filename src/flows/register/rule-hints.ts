import type { Policy } from '../../config/policy.js';
import { msg, type Msg } from '../../i18n/index.js';

/*
 * The rules shown beside the fields, worded like the Optum ID form in the replaced portals' public guides
 * ("Your Optum ID must have: 6 to 50 characters, At least one letter, ..."), from the policy
 * actually enforced so the page never promises other rules than the check applies.
 */

function symbols(chars: string): string {
  return [...chars].join(' ');
}

export function usernameHints(policy: Policy['registration']['username']): Msg[] {
  const hints = [msg('hint.username.length', { min: policy.min_length, max: policy.max_length })];
  if (policy.require_letter) hints.push(msg('hint.username.letter'));
  if (!policy.allow_spaces) hints.push(msg('hint.no_spaces'));
  if (!policy.allow_accented_letters) hints.push(msg('hint.username.no_accents'));
  if (policy.forbidden_characters) hints.push(msg('hint.no_symbols', { symbols: symbols(policy.forbidden_characters) }));
  if (!policy.allow_email_format) hints.push(msg('hint.username.not_email'));
  return hints;
}

export function passwordHints(policy: Policy['password']): Msg[] {
  const hints = [msg('hint.password.length', { min: policy.min_length, max: policy.max_length })];
  if (policy.require_upper) hints.push(msg('hint.password.upper'));
  if (policy.require_lower) hints.push(msg('hint.password.lower'));
  if (policy.require_digit) hints.push(msg('hint.password.digit'));
  const chars = [...policy.forbidden_characters];
  const others = chars.filter((c) => c !== ' ');
  if (chars.includes(' ') && others.length) hints.push(msg('hint.password.no_spaces_symbols', { count: others.length, symbols: symbols(others.join('')) }));
  else if (chars.includes(' ')) hints.push(msg('hint.no_spaces'));
  else if (others.length) hints.push(msg('hint.no_symbols', { symbols: symbols(others.join('')) }));
  hints.push(msg('hint.password.not_username'), msg('hint.password.not_common'));
  if (policy.breach_check.enabled) hints.push(msg('hint.password.not_breached'));
  return hints;
}
