import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePolicySecrets } from '../../src/config/client-secrets.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/index.js';
import { parsePolicy } from '../../src/config/policy.js';

/* The policy's identity checks: every mistake stops start-up with one line naming file, entry and field. */

const check = {
  type: 'http',
  url: 'https://plan.example/check',
  secret_env: 'PLAN_SECRET',
  fields: [{ id: 'member_id', kind: 'text', label: { en: 'Member ID' } }],
  portals: ['bill'],
};
const member = (identity_check: object) => ({ account_types: [{ id: 'member', label: { en: 'Member' }, self_registration: true, identity_check }] });

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** The config the server would load from these two files. */
function configFrom(policy: object, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-idcheck-'));
  const clients = { clients: [{ client_id: 'bill', client_name: 'Bill', client_secret: '0123456789abcdef0123', redirect_uris: ['https://bill.example/cb'] }] };
  writeFileSync(path.join(dir, 'clients.json'), JSON.stringify(clients));
  writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
  return { dir, load: () => loadConfig({ CLIENTS_FILE: path.join(dir, 'clients.json'), POLICY_FILE: path.join(dir, 'policy.json'), DATA_DIR: 'memory://', ...env }) };
}

describe('identity_check in the policy', () => {
  it('reads fields, claim (plan_subject_id by default), portals and the verifier', () => {
    const type = parsePolicy('p.json', member({ ...check, fields: [...check.fields, { id: 'date_of_birth', kind: 'date', label: { en: 'Date of birth', es: 'Fecha de nacimiento' } }] })).account_types[0]!;
    expect(type.identity_check).toEqual({
      verifier: { url: 'https://plan.example/check', secretEnv: 'PLAN_SECRET', timeoutMs: 5000 },
      fields: [
        { id: 'member_id', kind: 'text', maxLength: 64, label: { en: 'Member ID' } },
        { id: 'date_of_birth', kind: 'date', label: { en: 'Date of birth', es: 'Fecha de nacimiento' } },
      ],
      claim: 'plan_subject_id',
      portals: ['bill'],
    });
  });

  it('names a bad field, a claim Portico already gives, or a secret written in the file', () => {
    expect(failure(() => parsePolicy('p.json', member({ ...check, fields: [{ id: 'ssn', kind: 'number', label: { en: 'SSN' } }] })))).toMatch(/^p\.json: account_types\[0\]\.identity_check\.fields\[0\]\.kind: /);
    expect(failure(() => parsePolicy('p.json', member({ ...check, fields: [check.fields[0], check.fields[0]] })))).toBe('p.json: account_types[0].identity_check.fields: field ids must be unique');
    expect(failure(() => parsePolicy('p.json', member({ ...check, claim: 'email' })))).toBe('p.json: account_types[0].identity_check.claim: is a claim Portico already gives');
    expect(failure(() => parsePolicy('p.json', member({ ...check, secret: 'written-here' })))).toMatch(/^p\.json: account_types\[0\]\.identity_check: Unrecognized key: "secret"/);
    expect(failure(() => parsePolicy('p.json', member({ ...check, timeout_ms: 10 })))).toMatch(/^p\.json: account_types\[0\]\.identity_check\.timeout_ms: /);
  });

  it('refuses a portal the clients file does not declare, naming the policy file', () => {
    const { dir, load } = configFrom(member({ ...check, portals: ['bill', 'nobody'] }));
    expect(failure(load)).toBe(`${path.join(dir, 'policy.json')}: account_types[0].identity_check.portals: unknown client "nobody" (not in the clients file)`);
  });

  it('reads the secret where the portals\' secrets are read, and names an unset variable', () => {
    const unset = configFrom(member(check));
    const config = unset.load();
    expect(failure(() => resolvePolicySecrets(config))).toBe(`${path.join(unset.dir, 'policy.json')}: account_types[0].identity_check.secret_env: PLAN_SECRET is not set`);
    const set = configFrom(member(check), { PLAN_SECRET: 'the-plan-secret' }).load();
    expect(resolvePolicySecrets(set).policy.account_types[0]!.identity_check!.verifier.secret).toBe('the-plan-secret');
  });
});
