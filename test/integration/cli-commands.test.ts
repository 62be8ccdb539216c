import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliWorkspace } from '../support/cli.js';
import { inProcessCli } from '../support/cli-in-process.js';

/*
 * The operator CLI on the embedded database. The tests share one data directory and run in
 * order: migrate first, then the commands that need it. What the binary itself does (its exit
 * status and output, stdin, the lock, help without a config) is run as the operator runs it,
 * in its own process; what a command does and says, through the same runner in this process.
 */

// These tests are about the embedded default even when CI sets DATABASE_URL.
const { dir, dataDir, clientsFile, env } = cliWorkspace('portico-cli-');
const cli = inProcessCli(env);

/** `node bin/portico.js <args>`, in its own process. */
const portico = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => cli.spawn(args, { input, env: extraEnv });
/** The same command run in this process, with the same output. */
const command = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => cli.run(args, { input, env: extraEnv });

const user = (name: string, email: string) => ['users', 'create', '--username', name, '--email', email, '--given-name', 'Jane', '--family-name', 'Smith', '--password-stdin'];
const oneLine = (text: string) => text.split('\n').filter(Boolean).length === 1 && text.endsWith('\n');

describe('portico CLI on the embedded database', () => {
  afterAll(async () => {
    await cli.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, then reports the database up to date', async () => {
    const first = await portico(['migrate']);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('applied 0001_foundation');
    expect(await command(['migrate'])).toMatchObject({ code: 0, out: 'database is up to date\n' });
  });

  it('refuses with one line while another live process holds the data directory', async () => {
    // This process lets go of the directory first, and holds it again by a lock file alone.
    await cli.release();
    writeFileSync(path.join(dataDir, 'portico.lock'), JSON.stringify({ pid: process.pid, holder: 'portico server' }));
    try {
      expect(await portico(['migrate'])).toMatchObject({
        code: 1,
        err: `portico: ${dataDir}: the embedded database is in use by portico server (pid ${process.pid}); stop it first, or use PostgreSQL with DATABASE_URL\n`,
      });
    } finally {
      rmSync(path.join(dataDir, 'portico.lock'));
    }
  });

  it('creates a user from stdin, once', async () => {
    expect(await portico(user('jsmith01', 'j.smith@example.com'), 'Correct7Horse\n')).toMatchObject({ code: 0, out: expect.stringMatching(/^created jsmith01 \([0-9a-f-]{36}\)\n$/) });
    // The same ID again, its username in other case, its email in other case.
    for (const [name, email] of [['jsmith01', 'j.smith@example.com'], ['JSMITH01', 'other@example.com'], ['other01', 'J.Smith@example.com']] as const) {
      expect(await command(user(name, email), 'Correct7Horse\n')).toEqual({ code: 1, out: '', err: 'portico: an ID with this username or email address already exists\n' });
    }
  });

  it('refuses a weak password with the rule it breaks, and creates nothing', async () => {
    const weak = await command(user('weak01', 'weak@example.com'), 'NoDigitsHere\n');
    expect(weak).toEqual({ code: 1, out: '', err: 'portico: password refused: Include at least one number.\n' });
    const containsName = await command(user('weak01', 'weak@example.com'), 'xWeak01xYz\n');
    expect(containsName).toEqual({ code: 1, out: '', err: 'portico: password refused: Do not include your username.\n' });
    // Nothing was created: the same username is still free.
    expect((await command(user('weak01', 'weak@example.com'), 'Correct7Horse\n')).code).toBe(0);
  });

  it('refuses without a password source, and on missing or bad flags, with usage exit 2', async () => {
    // None of these gets as far as the database: they run side by side. The binary reads the
    // empty stdin and answers an unknown command; the other usage errors are the runner's.
    const [noPassword, bare, someFlags, badEmail, badRetire, bogus, none] = await Promise.all([
      // Without --password-stdin the command mails a link instead (cli-users-invitation.test.ts); with it, stdin must hold one.
      portico(user('nopw01', 'nopw@example.com'), ''),
      command(['users', 'create']),
      command(['users', 'create', '--username', 'x1']),
      command(user('bad01', 'not-an-address'), 'Correct7Horse\n'),
      command(['keys', 'rotate', '--retire-after', 'soon']),
      portico(['bogus']),
      command([]),
    ]);
    expect(noPassword).toEqual({ code: 2, out: '', err: 'portico: no password on stdin (leave out --password-stdin to mail a link to set one)\n' });
    for (const missing of [bare, someFlags]) {
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^portico: usage: portico users create --username U --email E --given-name G --family-name F \[--type T\] \[--organization ID \[--role R\]\] \[--password-stdin\]\n$/);
    }
    expect(badEmail).toEqual({ code: 2, out: '', err: 'portico: --email: "not-an-address" is not an email address\n' });
    expect(badRetire).toEqual({ code: 2, out: '', err: 'portico: --retire-after takes a whole number of seconds\n' });
    expect(bogus).toEqual({ code: 2, out: '', err: 'portico: unknown command "bogus"; see portico help\n' });
    expect(none).toMatchObject({ code: 2, out: '' });
  });

  it('rotates keys: the old key is retired, still listed, and the new one current', async () => {
    const first = await command(['keys', 'rotate']);
    expect(first.code).toBe(0);
    const firstRsa = /RS256: new current key (\S+)/.exec(first.out)![1]!;
    const second = await command(['keys', 'rotate', '--retire-after', '600']);
    expect(second.code).toBe(0);
    const [, newRsa, retiredRsa] = /RS256: new current key (\S+); (\S+) retired, published for 600 s more/.exec(second.out)!;
    expect(retiredRsa).toBe(firstRsa);
    const list = await command(['keys', 'list']);
    expect(list.code).toBe(0);
    const rows = list.out.split('\n').slice(1).filter(Boolean).map((line) => line.split(/\s+/));
    expect(rows.find((r) => r[0] === newRsa)?.slice(1, 3)).toEqual(['RS256', 'current']);
    expect(rows.filter((r) => r[1] === 'RS256' && r[2] === 'current')).toHaveLength(1);
    const retired = rows.find((r) => r[0] === firstRsa)!;
    expect(retired.slice(1, 3)).toEqual(['RS256', 'retired']);
    expect(Date.parse(retired[4]!) - Date.now()).toBeGreaterThan(500_000);
    expect(list.out).not.toMatch(/"d"|"n"/);
  });

  it('uses the longest token lifetime plus a margin as the default retirement', async () => {
    const policy = path.join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ sessions: { id_token_ttl_seconds: 7200, access_token_ttl_seconds: 600 } }));
    const run = await command(['keys', 'rotate'], undefined, { POLICY_FILE: policy });
    expect(run.out).toMatch(/RS256: new current key \S+; \S+ retired, published for 7500 s more/);
  });

  it('checks the clients file, naming file, client and field when it is wrong', async () => {
    expect(await command(['clients', 'check'])).toEqual({ code: 0, err: '', out: `demo  "Demo"  first-party\n${clientsFile}: 1 client(s), valid\n` });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clients: [{ client_id: 'bill', client_name: 'Bill', redirect_uris: 'https://x' }] }));
    const run = await command(['clients', 'check'], undefined, { CLIENTS_FILE: bad });
    expect(run.code).toBe(1);
    expect(oneLine(run.err)).toBe(true);
    expect(run.err.startsWith(`portico: ${bad}: client "bill": redirect_uris: `)).toBe(true);
    expect(run.err).toMatch(/redirect_uris: .+\n$/);
  });

  it('prints help with exit 0, and answers --help and -h on every command with its usage, options and an example, config or not', async () => {
    // A broken config must not stand between an operator and the help. Help reads nothing: side by side.
    const broken = { CLIENTS_FILE: path.join(dir, 'missing.json') };
    const [help, create, rotate, migrate, list, show, linksRemove, keys] = await Promise.all([
      portico(['help']),
      portico(['users', 'create', '-h'], undefined, broken),
      ...[['keys', 'rotate', '--help'], ['migrate', '--help'], ['keys', 'list', '--help'], ['users', 'show', '--help'], ['help', 'links', 'remove'], ['keys', '-h']].map((args) => command(args, undefined, broken)),
    ]);
    expect(help!.code).toBe(0);
    for (const name of ['portico migrate', 'portico keys rotate', 'portico keys list', 'portico users create', 'portico clients check']) {
      expect(help!.out).toContain(name);
    }
    expect(rotate).toMatchObject({ code: 0, err: '' });
    expect(rotate!.out).toMatch(/^usage: portico keys rotate \[--retire-after SECONDS\]\n/);
    expect(rotate!.out).toContain('default: the longest of the');
    expect(rotate!.out).toMatch(/\nexample:\n {2}portico keys rotate --retire-after \d+\n$/);
    expect(migrate).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico migrate\n[^]*\noptions:\n {2}-h, --help +show this help\n[^]*\nexample:\n/) });
    expect(create).toMatchObject({ code: 0, err: '' });
    expect(create!.out).toMatch(/^usage: portico users create --username U --email E --given-name G --family-name F \[--type T\] \[--organization ID \[--role R\]\] \[--password-stdin\]\n/);
    expect(create!.out).toMatch(/\n {2}--password-stdin +read the password from stdin/);
    expect(list).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico keys list\n/) });
    // Not a lookup of a user named --help.
    expect(show).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^usage: portico users show <username\|email>\n[^]*\nexample:\n {2}portico users show jsmith01\n$/) });
    expect(linksRemove).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: portico links remove <username\|email> <system>\n/) });
    expect(keys).toMatchObject({ code: 0, out: expect.stringMatching(/^portico keys commands\n\n {2}portico keys list +list the signing keys/) });
  });
});
