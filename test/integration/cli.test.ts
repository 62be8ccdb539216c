import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'portico-cli-'));
const clientsFile = path.join(dir, 'clients.json');
writeFileSync(clientsFile, JSON.stringify({ clients: [{ client_id: 'demo', client_name: 'Demo', client_secret: '0123456789abcdef0123', redirect_uris: ['http://127.0.0.1:9999/cb'], first_party: true }] }));
const env = { ...process.env, DATA_DIR: path.join(dir, 'data'), CLIENTS_FILE: clientsFile, LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '' };

function portico(args: string[], input?: string, extraEnv: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['bin/portico.js', ...args], { env: { ...env, ...extraEnv }, input, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const create = ['users', 'create', '--username', 'jsmith01', '--email', 'j.smith@example.com', '--given-name', 'Jane', '--family-name', 'Smith', '--password-stdin'];

describe('portico CLI on the embedded database', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, creates a user once, and refuses a duplicate or a weak password in one line', () => {
    expect(portico(['migrate'])).toMatchObject({ code: 0, out: expect.stringContaining('applied 0001_foundation') });
    expect(portico(create, 'Correct7Horse\n')).toMatchObject({ code: 0, out: expect.stringMatching(/^created jsmith01 /) });
    expect(portico(create, 'Correct7Horse\n')).toEqual({ code: 1, out: '', err: 'portico: an ID with this username or email address already exists\n' });
    const weak = portico([...create.slice(0, 3), 'other01', '--email', 'o@example.com', ...create.slice(6)], 'NoDigitsHere\n');
    expect(weak).toEqual({ code: 1, out: '', err: 'portico: password refused: Include at least one number.\n' });
  });

  it('rotates keys: the old key is retired and still listed, the new one current', () => {
    const first = portico(['keys', 'rotate']);
    expect(first.code).toBe(0);
    const second = portico(['keys', 'rotate', '--retire-after', '600']);
    expect(second.out).toMatch(/RS256: new current key \S+; \S+ retired, published for 600 s more/);
    const list = portico(['keys', 'list']).out.split('\n').filter(Boolean);
    expect(list.filter((l) => / RS256 +current/.test(l))).toHaveLength(1);
    expect(list.filter((l) => / RS256 +retired/.test(l)).length).toBeGreaterThanOrEqual(1);
  });

  it('checks the clients file, naming file, client and field when it is wrong', () => {
    expect(portico(['clients', 'check'])).toMatchObject({ code: 0, out: expect.stringContaining('demo  "Demo"  first-party') });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clients: [{ client_id: 'bill', client_name: 'Bill', redirect_uris: 'https://x' }] }));
    const run = portico(['clients', 'check'], undefined, { CLIENTS_FILE: bad });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`^portico: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: client "bill": redirect_uris: .+\\n$`));
  });

  it('refuses with one line while another live process holds the data directory', () => {
    writeFileSync(path.join(dir, 'data', 'portico.lock'), JSON.stringify({ pid: process.pid, holder: 'portico server' }));
    const run = portico(['migrate']);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`portico: ${path.join(dir, 'data')}: the embedded database is in use by portico server (pid ${process.pid}); stop it first, or use PostgreSQL with DATABASE_URL\n`);
    rmSync(path.join(dir, 'data', 'portico.lock'));
  });

  it('answers unknown commands and missing flags with usage, exit 2', () => {
    expect(portico(['bogus'])).toMatchObject({ code: 2, err: 'portico: unknown command "bogus"; see portico help\n' });
    expect(portico(['users', 'create'])).toMatchObject({ code: 2, err: expect.stringMatching(/^portico: usage: portico users create/) });
  });
});
