import type { Policy } from '../../config/policy.js';

/*
 * The rules shown beside the fields, worded like the Optum ID form in shared/seeds/004
 * ("Your Optum ID must have: 6 to 50 characters, At least one letter, ..."), from the policy
 * actually enforced so the page never promises other rules than the check applies.
 */

function symbols(chars: string): string {
  return [...chars].join(' ');
}

export function usernameHints(policy: Policy['registration']['username']): string[] {
  const hints = [`${policy.min_length} to ${policy.max_length} characters`];
  if (policy.require_letter) hints.push('At least one letter');
  if (!policy.allow_spaces) hints.push('No spaces');
  if (!policy.allow_accented_letters) hints.push('No letters with accents');
  if (policy.forbidden_characters) hints.push(`None of these symbols: ${symbols(policy.forbidden_characters)}`);
  if (!policy.allow_email_format) hints.push('Not an email address');
  return hints;
}

export function passwordHints(policy: Policy['password']): string[] {
  const hints = [`Between ${policy.min_length} and ${policy.max_length} characters`];
  if (policy.require_upper) hints.push('At least 1 uppercase letter');
  if (policy.require_lower) hints.push('At least 1 lowercase letter');
  if (policy.require_digit) hints.push('At least 1 number');
  const chars = [...policy.forbidden_characters];
  const others = chars.filter((c) => c !== ' ');
  if (chars.includes(' ') && others.length) hints.push(`No spaces and no ${symbols(others.join(''))} symbol${others.length > 1 ? 's' : ''}`);
  else if (chars.includes(' ')) hints.push('No spaces');
  else if (others.length) hints.push(`None of these symbols: ${symbols(others.join(''))}`);
  hints.push('Not your username or email address', 'Not a common password');
  if (policy.breach_check.enabled) hints.push('Not in a known data breach');
  return hints;
}
