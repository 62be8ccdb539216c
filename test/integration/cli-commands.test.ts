import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'portico-cli-'));
const dataDir = path.join(dir, 'data');
const clientsFile = path.join(dir, 'clients.json');
writeFileSync(
  clientsFile,
  JSON.stringify({ clients: [{ client_id: 'demo', client_name: 'Demo', client_secret: '0123456789abcdef0123', redirect_uris: ['http://127.0.0.1:9999/cb'], first_party: true }] }),
);
// Empty DATABASE_URL means unset: these tests are about the embedded default even when CI sets one.
const env = { ...process.env, DATA_DIR: dataDir, CLIENTS_FILE: clientsFile, POLICY_FILE: path.join(dir, 'none.json'), DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent' };

function portico(args: string[], input?: string, extraEnv: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['bin/portico.js', ...args], { env: { ...env, ...extraEnv }, input, encoding: 'utf8', timeout: 90_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const user = (name: string, email: string) => ['users', 'create', '--username', name, '--email', email, '--given-name', 'Jane', '--family-name', 'Smith', '--password-stdin'];
const oneLine = (text: string) => text.split('\n').filter(Boolean).length === 1 && text.endsWith('\n');

describe('portico CLI on the embedded database', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, then reports the database up to date', () => {
    const first = portico(['migrate']);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('applied 0001_foundation');
    expect(portico(['migrate'])).toMatchObject({ code: 0, out: 'database is up to date\n' });
  });

  it('creates a user from stdin, once', () => {
    expect(portico(user('jsmith01', 'j.smith@example.com'), 'Correct7Horse\n')).toMatchObject({ code: 0, out: expect.stringMatching(/^created jsmith01 \([0-9a-f-]{36}\)\n$/) });
    const again = portico(user('JSMITH01', 'other@example.com'), 'Correct7Horse\n');
    expect(again).toEqual({ code: 1, out: '', err: 'portico: an ID with this username or email address already exists\n' });
    const sameEmail = portico(user('other01', 'J.Smith@example.com'), 'Correct7Horse\n');
    expect(sameEmail.code).toBe(1);
  });

  it('refuses a weak password with the rule it breaks, and creates nothing', () => {
    const weak = portico(user('weak01', 'weak@example.com'), 'NoDigitsHere\n');
    expect(weak).toEqual({ code: 1, out: '', err: 'portico: password refused: Include at least one number.\n' });
    const containsName = portico(user('weak01', 'weak@example.com'), 'xWeak01xYz\n');
    expect(containsName).toEqual({ code: 1, out: '', err: 'portico: password refused: Do not include your username.\n' });
    // Nothing was created: the same username is still free.
    expect(portico(user('weak01', 'weak@example.com'), 'Correct7Horse\n').code).toBe(0);
  });

  it('refuses without a password source, and on missing or bad flags, with usage exit 2', () => {
    const noPassword = portico(user('nopw01', 'nopw@example.com').slice(0, -1), '');
    expect(noPassword).toEqual({ code: 2, out: '', err: 'portico: no password: pipe it with --password-stdin, or run on a terminal\n' });
    const missing = portico(['users', 'create', '--username', 'x1']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^portico: usage: portico users create --username U --email E --given-name G --family-name F \[--password-stdin\]\n$/);
    expect(portico(user('bad01', 'not-an-address'), 'Correct7Horse\n')).toEqual({ code: 2, out: '', err: 'portico: --email: "not-an-address" is not an email address\n' });
    expect(portico(['keys', 'rotate', '--retire-after', 'soon'])).toEqual({ code: 2, out: '', err: 'portico: --retire-after takes a whole number of seconds\n' });
    expect(portico(['bogus'])).toEqual({ code: 2, out: '', err: 'portico: unknown command "bogus"; see portico help\n' });
    expect(portico([])).toMatchObject({ code: 2, out: '' });
  });

  it('rotates keys: the old key is retired, still listed, and the new one current', () => {
    const first = portico(['keys', 'rotate']);
    expect(first.code).toBe(0);
    const firstRsa = /RS256: new current key (\S+)/.exec(first.out)![1]!;
    const second = portico(['keys', 'rotate', '--retire-after', '600']);
    expect(second.code).toBe(0);
    const [, newRsa, retiredRsa] = /RS256: new current key (\S+); (\S+) retired, published for 600 s more/.exec(second.out)!;
    expect(retiredRsa).toBe(firstRsa);
    const list = portico(['keys', 'list']);
    expect(list.code).toBe(0);
    const rows = list.out.split('\n').slice(1).filter(Boolean).map((line) => line.split(/\s+/));
    expect(rows.find((r) => r[0] === newRsa)?.slice(1, 3)).toEqual(['RS256', 'current']);
    const retired = rows.find((r) => r[0] === firstRsa)!;
    expect(retired.slice(1, 3)).toEqual(['RS256', 'retired']);
    expect(Date.parse(retired[4]!) - Date.now()).toBeGreaterThan(500_000);
    expect(list.out).not.toMatch(/"d"|"n"/);
  });

  it('uses the longest token lifetime plus a margin as the default retirement', () => {
    const policy = path.join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ sessions: { id_token_ttl_seconds: 7200, access_token_ttl_seconds: 600 } }));
    const run = portico(['keys', 'rotate'], undefined, { POLICY_FILE: policy });
    expect(run.out).toMatch(/RS256: new current key \S+; \S+ retired, published for 7500 s more/);
  });

  it('checks the clients file, naming file, client and field when it is wrong', () => {
    expect(portico(['clients', 'check'])).toEqual({ code: 0, err: '', out: `demo  "Demo"  first-party\n${clientsFile}: 1 client(s), valid\n` });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clients: [{ client_id: 'bill', client_name: 'Bill', redirect_uris: 'https://x' }] }));
    const run = portico(['clients', 'check'], undefined, { CLIENTS_FILE: bad });
    expect(run.code).toBe(1);
    expect(oneLine(run.err)).toBe(true);
    expect(run.err.startsWith(`portico: ${bad}: client "bill": redirect_uris: `)).toBe(true);
  });

  it('prints help with exit 0', () => {
    const help = portico(['help']);
    expect(help.code).toBe(0);
    for (const command of ['portico migrate', 'portico keys rotate', 'portico keys list', 'portico users create', 'portico clients check']) {
      expect(help.out).toContain(command);
    }
  });

  it('answers --help and -h on every command with its usage, options and an example, config or not', () => {
    // A broken config must not stand between an operator and the help.
    const broken = { CLIENTS_FILE: path.join(dir, 'missing.json') };
    const rotate = portico(['keys', 'rotate', '--help'], undefined, broken);
    expect(rotate).toMatchObject({ code: 0, err: '' });
    expect(rotate.out).toMatch(/^usage: portico keys rotate \[--retire-after SECONDS\]\n/);
    expect(rotate.out).toContain('default: the longest of the');
    expect(rotate.out).toMatch(/\nexample:\n {2}portico keys rotate --retire-after \d+\n$/);
    const migrate = portico(['migrate', '--help'], undefined, broken);
    expect(migrate).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico migrate\n[^]*\noptions:\n {2}-h, --help +show this help\n[^]*\nexample:\n/) });
    const create = portico(['users', 'create', '-h'], undefined, broken);
    expect(create).toMatchObject({ code: 0, err: '' });
    expect(create.out).toMatch(/^usage: portico users create --username U --email E --given-name G --family-name F \[--password-stdin\]\n/);
    expect(create.out).toMatch(/\n {2}--password-stdin +read the password from stdin/);
    expect(portico(['keys', 'list', '--help'], undefined, broken)).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico keys list\n/) });
    // Not a lookup of a user named --help.
    expect(portico(['users', 'show', '--help'], undefined, broken)).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico users show <username\|email>\n[^]*\nexample:\n {2}portico users show jsmith01\n$/) });
    expect(portico(['help', 'links', 'remove'], undefined, broken)).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: portico links remove <username\|email> <system>\n/) });
    expect(portico(['keys', '-h'], undefined, broken)).toMatchObject({ code: 0, out: expect.stringMatching(/^portico keys commands\n\n {2}portico keys list +list the signing keys/) });
  });
});
