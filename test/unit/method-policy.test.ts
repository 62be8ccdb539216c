import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { createMethodRegistry, methodIdsFor } from '../../src/methods/index.js';

/* The second step's policy per account type: what a type may use, and what start-up refuses. */

const registry = createMethodRegistry();
const problem = (second_step: unknown) => registry.policyProblem(parsePolicy('policy.json', { second_step }).second_step);

describe('second-step methods per account type', () => {
  it('gives a listed type its own methods and every other type the policy\'s list', () => {
    const policy = parsePolicy('policy.json', { second_step: { account_types: { member: { methods: ['email_code'] } } } }).second_step;
    expect(methodIdsFor(policy, { account_type: 'member' })).toEqual(['email_code']);
    expect(methodIdsFor(policy, { account_type: 'provider' })).toEqual(policy.methods);
  });

  it('accepts a type that must have one of several methods it may use', () => {
    expect(problem({ account_types: { provider: { methods: ['passkey', 'authenticator_app', 'email_code'], must_have: ['passkey', 'authenticator_app'] } } })).toBeUndefined();
  });

  it('names the type and field of an unknown method', () => {
    expect(problem({ account_types: { provider: { methods: ['email_code', 'carrier_pigeon'] } } })).toMatch(
      /^second_step\.account_types\.provider\.methods\[1\]: unknown method "carrier_pigeon" \(known: email_code, security_questions, authenticator_app, passkey\b/,
    );
    expect(problem({ account_types: { provider: { must_have: ['carrier_pigeon'] } } })).toMatch(/^second_step\.account_types\.provider\.must_have\[0\]: unknown method/);
  });

  it('refuses a must-have method the type may not use', () => {
    expect(problem({ account_types: { provider: { methods: ['email_code'], must_have: ['authenticator_app'] } } })).toBe(
      'second_step.account_types.provider.must_have[0]: "authenticator_app" is not among the methods this type may use',
    );
  });

  it('refuses a must-have list of which nothing can be set up during a sign-in', () => {
    expect(problem({ account_types: { provider: { must_have: ['passkey'] } } })).toMatch(/^second_step\.account_types\.provider\.must_have: none of these can be set up during a sign-in \(list one of: /);
  });
});
