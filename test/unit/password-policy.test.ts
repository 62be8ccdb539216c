import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { checkPassword } from '../../src/identity/password-policy.js';

const policy = parsePolicy('p.json', {}).password;

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
    expect(checkPassword(policy, password)).toBe(message);
  });

  it('refuses a password containing the username or email, whatever the case', () => {
    expect(checkPassword(policy, 'xxJSmith99Aa1', { username: 'jsmith99' })).toBe('Do not include your username.');
    expect(checkPassword(policy, 'A1j@example.com', { email: 'J@Example.com' })).toBe('Do not include your email address.');
  });

  it('accepts a password that meets every rule', () => {
    expect(checkPassword(policy, 'Correct7Horse', { username: 'jsmith99', email: 'j@example.com' })).toBeUndefined();
  });
});
