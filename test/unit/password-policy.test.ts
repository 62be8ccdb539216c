import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { translator } from '../../src/i18n/index.js';
import { checkPassword, type PasswordContext } from '../../src/identity/password-policy.js';

const policy = parsePolicy('p.json', {}).password;
// The rules answer with catalogue messages; these are their English wording.
const broken = (password: string, who?: PasswordContext) => {
  const found = checkPassword(policy, password, who);
  return found && translator('en').msg(found);
};

describe('password rules of the replaced portals', () => {
  it.each([
    ['Short1a', 'Use at least 8 characters.'],
    ['alllowercase1', 'Include at least one upper-case letter.'],
    ['ALLUPPERCASE1', 'Include at least one lower-case letter.'],
    ['NoDigitsHere', 'Include at least one number.'],
    ['Has Space1', 'Do not use spaces.'],
    ['Amper&sand1', 'Do not use the character &'],
    [`A1${'a'.repeat(99)}`, 'Use at most 100 characters.'],
  ])('refuses %j', (password, message) => {
    expect(broken(password)).toBe(message);
  });

  it('refuses a password containing the username or email, whatever the case', () => {
    expect(broken('xxJSmith99Aa1', { username: 'jsmith99' })).toBe('Do not include your username.');
    expect(broken('A1j@example.com', { email: 'J@Example.com' })).toBe('Do not include your email address.');
  });

  it('answers each rule with its catalogue key, worded in Spanish too', () => {
    expect(checkPassword(policy, 'Short1a')).toEqual({ key: 'password.too_short', vars: { min: 8 } });
    expect(translator('es').msg(checkPassword(policy, 'Amper&sand1'))).toBe('No use el carácter &');
  });

  it('accepts a password that meets every rule', () => {
    expect(checkPassword(policy, 'Correct7Horse', { username: 'jsmith99', email: 'j@example.com' })).toBeUndefined();
  });
});
