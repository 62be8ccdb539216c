import { existsSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { controlSocketPath, sendToControlServer, startControlServer } from '../../src/cli/control-channel.js';
import { passwordFromStdin } from '../../src/cli/password-input.js';
import { loadConfig } from '../../src/config/index.js';
import { ensureSigningKeys, loadSigningJwks } from '../../src/oidc/keys.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';
import { cliWorkspace, runPortico, type CliResult } from '../support/cli.js';
import { capturedOutput } from '../support/cli-in-process.js';

const { dir, dataDir, env } = cliWorkspace('portico-cli-ctl-');

/** The control server answering it runs in this process's event loop, which runPortico leaves free. */
const portico = (args: string[], input?: string) => runPortico(args, { env, input });

/**
 * What the binary does once it found the server's socket, done from this process: the same
 * request over the same socket, the replies written as the terminal writes them.
 */
async function viaSocket(args: string[], input?: string): Promise<CliResult> {
  const { io, text } = capturedOutput();
  const code = await sendToControlServer(dataDir, args, input === undefined ? undefined : passwordFromStdin(input), { io });
  return { code: code ?? null, ...text };
}

describe('operator commands while a server holds the embedded data directory', () => {
  let server: DatabaseHandle;
  let control: { close(): Promise<void> } | undefined;
  let reloads = 0;

  beforeAll(async () => {
    // This process plays the running server: it holds the data directory's lock.
    const config = loadConfig(env);
    server = await openDatabase({ dataDir, holder: 'portico server' });
    await migrateToLatest(server.db);
    await ensureSigningKeys(server.db);
    control = await startControlServer({
      dataDir,
      runCommand: (argv, io) =>
        runCommand(argv, {
          ...io,
          config,
          db: async () => server.db,
          onKeysChanged: () => {
            reloads++;
          },
        }),
    });
  });
  afterAll(async () => {
    await control?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotates keys inside the server, which reloads them at once', async () => {
    const run = await portico(['keys', 'rotate', '--retire-after', '900']);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain('the running server signs with the new keys now');
    expect(reloads).toBe(1);
    const newRsa = /RS256: new current key (\S+); \S+ retired, published for 900 s more/.exec(run.out)![1];
    const { keys } = await loadSigningJwks(server.db);
    expect(keys.find((k) => k.alg === 'RS256')!.kid).toBe(newRsa);
  });

  it('creates a user in the server with the password read by the CLI', async () => {
    const args = ['users', 'create', '--username', 'ctl001', '--email', 'ctl@example.com', '--given-name', 'Cara', '--family-name', 'Lee', '--password-stdin'];
    const run = await portico(args, 'Correct7Horse\n');
    expect(run).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^created ctl001 /) });
    const account = await server.db.selectFrom('accounts').selectAll().where('username', '=', 'ctl001').executeTakeFirstOrThrow();
    expect(account.email_verified_at).not.toBeNull();
    const audit = await server.db.selectFrom('audit_events').selectAll().where('account_id', '=', account.id).execute();
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['account.created', `operator:${userInfo().username}`]]);
    expect(await viaSocket(args, 'Correct7Horse\n')).toEqual({ code: 1, out: '', err: 'portico: an ID with this username or email address already exists\n' });
    const weak = await viaSocket([...args.slice(0, 3), 'ctl002', '--email', 'ctl2@example.com', ...args.slice(6)], 'short\n');
    expect(weak).toMatchObject({ code: 1, out: '' });
    expect(weak.err).toMatch(/^portico: password refused: [^\n]+\n$/);
  });

  it('records the operator it can vouch for, and a name the client sends only as a claim', async () => {
    // Any program running as the server's user can open the socket and say it is anyone.
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const args = ['users', 'create', '--username', 'ctl003', '--email', 'ctl3@example.com', '--given-name', 'Cara', '--family-name', 'Lee', '--password-stdin'];
    expect(await sendToControlServer(dataDir, args, 'Correct7Horse', { io, operator: 'alice' })).toBe(0);
    const account = await server.db.selectFrom('accounts').select('id').where('username', '=', 'ctl003').executeTakeFirstOrThrow();
    const [event] = await server.db.selectFrom('audit_events').select(['actor', 'details']).where('account_id', '=', account.id).execute();
    expect(event!.actor).toBe(`operator:${userInfo().username}`);
    const details = typeof event!.details === 'string' ? JSON.parse(event!.details) : event!.details;
    expect(details).toEqual({ operator_claimed: 'alice', via: 'cli' });
  });

  it('runs migrate and keys list through the server', async () => {
    expect(await portico(['migrate'])).toEqual({ code: 0, out: 'database is up to date\n', err: '' });
    const list = await viaSocket(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.out.match(/ current /g)).toHaveLength(2);
  });

  it('without the socket, refuses in one line naming the pid that holds the directory', async () => {
    await control!.close();
    control = undefined;
    expect(existsSync(controlSocketPath(dataDir))).toBe(false);
    const run = await portico(['keys', 'list']);
    expect(run).toEqual({
      code: 1,
      out: '',
      err: `portico: ${dataDir}: the embedded database is in use by portico server (pid ${process.pid}); stop it first, or use PostgreSQL with DATABASE_URL\n`,
    });
  });
});
