import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

/*
 * password.breach_check: on with the real API in production unless the policy says otherwise;
 * off in development and tests (npm start and the test suite send nothing off the machine).
 */

const dir = mkdtempSync(path.join(tmpdir(), 'portico-breach-policy-'));
const secrets = `${'a'.repeat(32)}`;

function breachCheck(nodeEnv: string | undefined, policy?: object) {
  const policyFile = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  if (policy) writeFileSync(policyFile, JSON.stringify(policy));
  const env = { CLIENTS_FILE: 'config/clients.json', POLICY_FILE: policyFile, COOKIE_SECRETS: secrets, ...(nodeEnv ? { NODE_ENV: nodeEnv } : {}) };
  return loadConfig(env).policy.password.breach_check;
}

describe('password.breach_check', () => {
  it('is on, with the real range API, in production', () => {
    expect(breachCheck('production')).toEqual({ enabled: true, url: 'https://api.pwnedpasswords.com/range', timeout_ms: 1500 });
  });

  it.each([undefined, 'development', 'test'])('is off when NODE_ENV is %s', (nodeEnv) => {
    expect(breachCheck(nodeEnv).enabled).toBe(false);
  });

  it('follows the policy file when it says', () => {
    expect(breachCheck('production', { password: { breach_check: { enabled: false } } }).enabled).toBe(false);
    expect(breachCheck('development', { password: { breach_check: { enabled: true, url: 'http://127.0.0.1:8088/range', timeout_ms: 300 } } })).toEqual({ enabled: true, url: 'http://127.0.0.1:8088/range', timeout_ms: 300 });
  });

  it('names file, entry and field when a setting is wrong', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ password: { breach_check: { url: 'api.pwnedpasswords.com' } } }));
    expect(() => loadConfig({ CLIENTS_FILE: 'config/clients.json', POLICY_FILE: file })).toThrow(`${file}: password.breach_check.url: must be an http or https URL`);
    writeFileSync(file, JSON.stringify({ password: { breach_check: { timeout_ms: 0 } } }));
    expect(() => loadConfig({ CLIENTS_FILE: 'config/clients.json', POLICY_FILE: file })).toThrow(`${file}: password.breach_check.timeout_ms: `);
  });
});
