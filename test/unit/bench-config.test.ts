import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeConfigFiles } from '../../bench/config-files.js';
import { loadConfig } from '../../src/config/index.js';
import { resolveClientSecrets } from '../../src/config/client-secrets.js';

/*
 * `npm run bench` runs Portico in production mode, which the test suite never does: a rule
 * production adds to the clients file once stopped the bench from starting at all, unnoticed.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'portico-bench-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the bench's configuration", () => {
  it('is accepted by Portico in production mode, with its secrets from the environment', () => {
    const files = writeConfigFiles(dir);
    const env = {
      NODE_ENV: 'production', ISSUER: 'https://id.example.test', COOKIE_SECRETS: randomBytes(32).toString('base64url'),
      KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), DATA_DIR: path.join(dir, 'data'),
      CLIENTS_FILE: files.clientsFile, POLICY_FILE: files.policyFile, ...files.secretEnv,
    };
    const config = resolveClientSecrets(loadConfig(env));
    expect(config.clients.metadata.map((c) => c.client_id)).toEqual(expect.arrayContaining(['bench-portal']));
    expect(Object.keys(files.secretEnv).length).toBeGreaterThan(0);
  });
});
