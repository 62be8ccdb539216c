import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { translator, type Text } from '../../src/i18n/index.js';
import { isCommonPassword } from '../../src/identity/common-passwords.js';
import { checkSecurityQuestions, normaliseAnswer } from '../../src/identity/registration/security-answers.js';
import { validateRegistration, type RegistrationInput } from '../../src/identity/registration/validate.js';

const policy = parsePolicy('policy.json', {});
const now = new Date('2025-06-01T12:00:00Z');
// The rules answer with catalogue messages: compare their English wording.
const inEnglish = (errors: Record<string, Text>): Record<string, string> =>
  Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, translator('en').msg(message)]));

function valid(): RegistrationInput {
  return {
    givenName: 'Jane',
    familyName: 'Smith',
    birthYear: '1980',
    email: 'jane.smith@example.com',
    username: 'janesmith80',
    password: 'Bright7Harbour',
    confirmPassword: 'Bright7Harbour',
    termsAccepted: true,
  };
}

type Case = [rule: string, change: Partial<RegistrationInput> | ((input: RegistrationInput) => void), field: string, message: RegExp];

const cases: Case[] = [
  ['first name missing', { givenName: '' }, 'givenName', /Enter your first name/],
  ['first name too long', { givenName: 'J'.repeat(101) }, 'givenName', /at most 100/],
  ['last name missing', { familyName: '' }, 'familyName', /Enter your last name/],
  ['year of birth missing', { birthYear: '' }, 'birthYear', /Enter the year you were born/],
  ['year of birth not four digits', { birthYear: '80' }, 'birthYear', /four digits/],
  ['year of birth with letters', { birthYear: '19a0' }, 'birthYear', /four digits/],
  ['year of birth in the future', { birthYear: '2031' }, 'birthYear', /year you were born/],
  ['year of birth implausibly old', { birthYear: '1850' }, 'birthYear', /year you were born/],
  ['too young', { birthYear: '2015' }, 'birthYear', /at least 13 years old/],
  ['email missing', { email: '' }, 'email', /Enter your email address/],
  ['first name with markup', { givenName: '<b>Jane</b>' }, 'givenName', /only letters, spaces, hyphens/],
  ['last name with a right-to-left override', { familyName: 'Smith\u202egnp.exe' }, 'familyName', /only letters, spaces, hyphens/],
  ['first name carrying a message for the mail', { givenName: 'Jane. URGENT: call +1 900 555 0100' }, 'givenName', /only letters, spaces, hyphens/],
  ['first name with a link', { givenName: 'Jane https://evil.example' }, 'givenName', /only letters, spaces, hyphens/],
  ['first name with digits', { givenName: 'Jane2' }, 'givenName', /only letters, spaces, hyphens/],
  ['last name with double spaces', { familyName: 'Smith  Jones' }, 'familyName', /only letters, spaces, hyphens/],
  ['email not an address', { email: 'jane.smith.example.com' }, 'email', /like name@example\.com/],
  ['email with a space', { email: 'jane smith@example.com' }, 'email', /like name@example\.com/],
  ['username missing', { username: '' }, 'username', /Choose a username/],
  ['username shorter than 6', { username: 'jane5' }, 'username', /6 to 50 characters/],
  ['username longer than 50', { username: `j${'a'.repeat(50)}` }, 'username', /6 to 50 characters/],
  ['username without a letter', { username: '12345678' }, 'username', /at least one letter/],
  ['username with a space', { username: 'jane smith' }, 'username', /Do not use spaces/],
  ['username with an accented letter', { username: 'josé1980' }, 'username', /letters with accents/],
  ['username shaped like an email', { username: 'jane@example.com' }, 'username', /cannot be an email address/],
  ['password missing', { password: '', confirmPassword: '' }, 'password', /Create a password/],
  ['password shorter than 8', { password: 'Bri7ght', confirmPassword: 'Bri7ght' }, 'password', /at least 8/],
  ['password longer than 100', { password: `Aa1${'x'.repeat(98)}`, confirmPassword: `Aa1${'x'.repeat(98)}` }, 'password', /at most 100/],
  ['password without upper case', { password: 'bright7harbour', confirmPassword: 'bright7harbour' }, 'password', /upper-case/],
  ['password without lower case', { password: 'BRIGHT7HARBOUR', confirmPassword: 'BRIGHT7HARBOUR' }, 'password', /lower-case/],
  ['password without a number', { password: 'BrightHarbour', confirmPassword: 'BrightHarbour' }, 'password', /number/],
  ['password with a space', { password: 'Bright7 Harbour', confirmPassword: 'Bright7 Harbour' }, 'password', /spaces/],
  ['password with &', { password: 'Bright7&Harbour', confirmPassword: 'Bright7&Harbour' }, 'password', /character &/],
  ['password containing the username', { password: 'Xjanesmith80', confirmPassword: 'Xjanesmith80' }, 'password', /username/],
  ['password containing the email', { password: 'A1jane.smith@example.com', confirmPassword: 'A1jane.smith@example.com' }, 'password', /email address/],
  ['common password', { password: 'Password1', confirmPassword: 'Password1' }, 'password', /too common/],
  ['confirmation missing', { confirmPassword: '' }, 'confirmPassword', /Type your password again/],
  ['confirmation different', { confirmPassword: 'Bright7Harbor' }, 'confirmPassword', /do not match/],
  ['terms not accepted', { termsAccepted: false }, 'terms', /agree to the Terms of Use and the Privacy Policy/],
];

describe('registration rules, broken one at a time', () => {
  it('accepts a valid registration', async () => {
    expect(await validateRegistration(policy, valid(), now)).toEqual({});
  });

  it.each(cases)('%s: only its field gets a message', async (_rule, change, field, message) => {
    const input = valid();
    if (typeof change === 'function') change(input);
    else Object.assign(input, change);
    const errors = inEnglish(await validateRegistration(policy, input, now));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
  });

  it.each([...'%+"&[\\]^\'{|}<>#,/;():*=~'])('username with the symbol %s', async (symbol) => {
    const errors = inEnglish(await validateRegistration(policy, { ...valid(), username: `jane${symbol}smith` }, now));
    expect(errors).toEqual({ username: `Do not use the symbol ${symbol}` });
  });

  it.each(["O'Brien", 'Anne-Marie', 'J. R.', 'José', 'Zoë', 'Nguyễn Văn', '李', 'D’Angelo'])('accepts the name %s', async (name) => {
    expect(await validateRegistration(policy, { ...valid(), givenName: name, familyName: name }, now)).toEqual({});
  });

  it('asks for no security questions: they are enrolled once the address is verified', async () => {
    const withAnswers = { ...valid(), question1: 'first_pet', answer1: '' } as RegistrationInput;
    expect(await validateRegistration(policy, withAnswers, now)).toEqual({});
  });

  it('accepts the youngest allowed year and the policy can raise the minimum age', async () => {
    expect(await validateRegistration(policy, { ...valid(), birthYear: '2012' }, now)).toEqual({});
    const strict = parsePolicy('policy.json', { registration: { minimum_age: 18 } });
    expect(inEnglish(await validateRegistration(strict, { ...valid(), birthYear: '2012' }, now)).birthYear).toMatch(/at least 18 years old/);
  });

  it('reports every broken rule at once', async () => {
    const errors = await validateRegistration(policy, { ...valid(), username: 'ab', email: 'nope', termsAccepted: false }, now);
    expect(Object.keys(errors).sort()).toEqual(['email', 'terms', 'username']);
  });

  it('reads the common-password list from @zxcvbn-ts/language-common, without regard to case', () => {
    expect(isCommonPassword('PASSWORD')).toBe(true);
    expect(isCommonPassword('Trustno1')).toBe(true);
    expect(isCommonPassword('Bright7Harbour')).toBe(false);
  });

  it('normalises answers: NFKC, lower case, single spaces', () => {
    expect(normaliseAnswer('  New   York ')).toBe('new york');
    expect(normaliseAnswer('ＲＥＸ')).toBe('rex');
  });
});

describe('security question rules (enrolment after verification, and the account page)', () => {
  type Chosen = Array<{ questionId: string; answer: string }>;
  const chosen = (): Chosen => [
    { questionId: 'first_pet', answer: 'Rex' },
    { questionId: 'birth_city', answer: 'Duluth' },
  ];
  const questions = policy.registration.security_questions;
  it.each([
    ['first question not chosen', (q: Chosen): unknown => (q[0]!.questionId = ''), 'question1', /Choose a question/],
    ['unknown question', (q: Chosen): unknown => (q[1]!.questionId = 'favourite_colour'), 'question2', /Choose a question/],
    ['same question twice', (q: Chosen): unknown => (q[1]!.questionId = 'first_pet'), 'question2', /different question/],
    ['answer missing', (q: Chosen): unknown => (q[0]!.answer = '   '), 'answer1', /Enter an answer/],
    ['answer too short', (q: Chosen): unknown => (q[1]!.answer = 'NY'), 'answer2', /at least 3/],
    ['same answer twice', (q: Chosen): unknown => (q[1]!.answer = '  REX '), 'answer2', /different answer/],
  ] as const)('%s: only its field gets a message', (_rule, change, field, message) => {
    const input = chosen();
    change(input);
    const errors = inEnglish(checkSecurityQuestions(questions, input));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
  });
});
