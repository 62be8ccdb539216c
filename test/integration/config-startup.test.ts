import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'portico-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the real entry point; a bad configuration must stop it before it listens. */
async function start(env: Record<string, string>) {
  const run = await runNode(['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env.PATH, DATA_DIR: 'memory://', LOG_LEVEL: 'silent', PORT: '0', ...env }, timeoutMs: 30_000 });
  return { code: run.code, stderr: run.err };
}

function clientsFile(name: string, clients: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ clients }));
  return file;
}

describe('start-up with a broken configuration', () => {
  it('names the file, the client and the field in one line', async () => {
    const file = clientsFile('bad-client.json', [{ client_id: 'bill', client_name: 'Bill', client_secret: '0123456789abcdef', redirect_uris: ['https://bill.example/cb'], first_party: 'yes' }]);
    expect(await start({ CLIENTS_FILE: file })).toEqual({ code: 1, stderr: `portico: ${file}: client "bill": first_party: Invalid input: expected boolean, received string\n` });
  });

  it('names a file that is not JSON, or missing', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"clients": [');
    const broken = await start({ CLIENTS_FILE: file });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`^portico: ${file.replace(/[.]/g, '\\.')}: not valid JSON \\(.+\\)\\n$`));
    expect(await start({ CLIENTS_FILE: path.join(dir, 'nope.json') })).toEqual({ code: 1, stderr: `portico: ${path.join(dir, 'nope.json')}: cannot be read (no such file)\n` });
  });

  it('names the environment variable that is wrong', async () => {
    expect(await start({ PORT: 'eighty' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^portico: environment: PORT: [^\n]+\n$/) });
    expect(await start({ NODE_ENV: 'production' })).toEqual({ code: 1, stderr: 'portico: environment: COOKIE_SECRETS: required when NODE_ENV=production\n' });
  });
});

describe('start-up with a brand that cannot be shown', () => {
  it('stops on a low-contrast colour or a missing logo, in one line naming the file and field', async () => {
    const policy = path.join(dir, 'pale-policy.json');
    writeFileSync(policy, JSON.stringify({ branding: { primary_color: '#ffd700' } }));
    const pale = await start({ POLICY_FILE: policy });
    expect(pale.code).toBe(1);
    expect(pale.stderr).toMatch(new RegExp(`^portico: ${policy.replace(/[.]/g, '\\.')}: branding\\.primary_color: "#ffd700" has a contrast of 1\\.\\d\\d:1 [^\\n]+ 4\\.5:1\\n$`));

    const file = clientsFile('no-logo.json', [{ client_id: 'bill', client_name: 'Bill', client_secret: '0123456789abcdef0123456789abcdef', redirect_uris: ['https://bill.example/cb'], branding: { logo_uri: 'bill.png' } }]);
    expect(await start({ CLIENTS_FILE: file, BRANDING_DIR: dir })).toEqual({ code: 1, stderr: `portico: ${file}: client "bill": branding.logo_uri: "bill.png" not found in ${dir} (BRANDING_DIR)\n` });
  });
});

describe('start-up with client metadata oidc-provider refuses', () => {
  it('names the file, the client and the problem in one line', async () => {
    const file = clientsFile('bad-metadata.json', [{ client_id: 'bill', client_name: 'Bill', client_secret: '0123456789abcdef', redirect_uris: ['not-a-url'] }]);
    const run = await start({ CLIENTS_FILE: file });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^portico: ${file.replace(/[.]/g, '\\.')}: client "bill": redirect_uris[^\\n]+\\n$`));
  });
});
