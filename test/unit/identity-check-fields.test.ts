import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { checkFieldErrors, checkValues } from '../../src/identity/registration/identity-check.js';

/* The field vocabulary of identity checks: what reaches the plan's verifier is at least well formed. */

const check = parsePolicy('p.json', {
  account_types: [
    {
      id: 'member',
      label: { en: 'Member' },
      self_registration: true,
      identity_check: {
        type: 'http',
        url: 'https://plan.example/check',
        secret_env: 'PLAN_SECRET',
        fields: [
          { id: 'member_id', kind: 'text', max_length: 5, label: { en: 'Member ID' } },
          { id: 'date_of_birth', kind: 'date', label: { en: 'Date of birth' } },
        ],
      },
    },
  ],
}).account_types[0]!.identity_check!;

const now = new Date('2026-06-01T12:00:00Z');
const errors = (memberId: string, date: string) => Object.fromEntries(Object.entries(checkFieldErrors('member', check, { member_id: memberId, date_of_birth: date }, now)).map(([k, v]) => [k, v.key]));

describe('identity-check fields', () => {
  it('takes text up to its length and a real past date', () => {
    expect(errors('A1234', '1980-02-29')).toEqual({});
    expect(errors('A1234', '2026-06-01')).toEqual({});
  });

  it('refuses empty, too long, impossible, malformed and future values, each by its form name', () => {
    expect(errors('', '')).toEqual({ 'idcheck-member-member_id': 'idcheck.error.required', 'idcheck-member-date_of_birth': 'idcheck.error.required' });
    expect(errors('A12345', '1981-02-29')).toEqual({ 'idcheck-member-member_id': 'idcheck.error.too_long', 'idcheck-member-date_of_birth': 'idcheck.error.date' });
    for (const bad of ['23/04/1980', '1980-4-23', '1980-13-01', '1899-12-31']) expect(errors('A1', bad)).toEqual({ 'idcheck-member-date_of_birth': 'idcheck.error.date' });
    expect(errors('A1', '2026-06-02')).toEqual({ 'idcheck-member-date_of_birth': 'idcheck.error.date_future' });
  });

  it('reads only the chosen type\'s fields from what the form posted', () => {
    const posted = { 'idcheck-member-member_id': ' A1 ', 'idcheck-provider-tax_id': '12-3456789', 'idcheck-member-extra': 'x' };
    expect(checkValues('member', check, posted)).toEqual({ member_id: 'A1', date_of_birth: '' });
  });
});
