import { describe, expect, it } from 'vitest';
import { planCommand, registry, runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { defaultRetireAfter } from '../../src/cli/keys.js';
import { parsePolicy } from '../../src/config/policy.js';
import type { Config } from '../../src/config/index.js';

const policy = parsePolicy('policy.json', { sessions: { id_token_ttl_seconds: 900, access_token_ttl_seconds: 3600 } });
const config = { policy, keysRefreshSeconds: 15, clientsFile: 'clients.json', clients: { metadata: [], settings: new Map() } } as unknown as Config;

function context(db: () => Promise<never> = () => Promise.reject(new Error('connection refused\n    at Socket'))) {
  const lines: string[] = [];
  const ctx: CommandContext = { config, db, out: (l) => lines.push(`out:${l}`), err: (l) => lines.push(`err:${l}`) };
  return { ctx, lines };
}

const create = ['users', 'create', '--username', 'user01', '--email', 'u1@example.com', '--given-name', 'Una', '--family-name', 'One'];

describe('command dispatch', () => {
  it('answers usage mistakes with one line and exit 2', async () => {
    for (const argv of [[], ['bogus'], ['keys'], ['keys', 'spin'], ['users', 'delete'], ['clients', 'check', '--all'], ['keys', 'rotate', '--retire-after', '-5']]) {
      const { ctx, lines } = context();
      expect(await runCommand(argv, ctx), argv.join(' ')).toBe(2);
      expect(lines, argv.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^err:/);
    }
  });

  it('turns a failure inside a command into one error line and exit 1', async () => {
    const { ctx, lines } = context();
    expect(await runCommand(['keys', 'list'], ctx)).toBe(1);
    expect(lines).toEqual(['err:connection refused']);
  });

  it('refuses users create --password-stdin with no password before touching the database', async () => {
    let opened = false;
    const { ctx, lines } = context(() => {
      opened = true;
      return Promise.reject(new Error('no'));
    });
    // Without the flag there is no refusal: the command mails a link to set a password instead.
    expect(await runCommand([...create, '--password-stdin'], ctx)).toBe(2);
    expect(lines).toEqual(['err:no password on stdin (leave out --password-stdin to mail a link to set one)']);
    expect(opened).toBe(false);
  });

  it('prints help with exit 0', async () => {
    const { ctx, lines } = context();
    expect(await runCommand(['help'], ctx)).toBe(0);
    expect(lines[0]).toMatch(/^out:Portico operator commands/);
  });

  it('gives every command its own help, on --help and -h, without touching the database', async () => {
    for (const spec of registry) {
      for (const flag of ['--help', '-h']) {
        const { ctx, lines } = context();
        const argv = [...spec.path, flag];
        expect(await runCommand(argv, ctx), argv.join(' ')).toBe(0);
        expect(lines, argv.join(' ')).toHaveLength(1);
        const help = lines[0]!;
        expect(help.startsWith(`out:usage: portico ${spec.path.join(' ')}`), argv.join(' ')).toBe(true);
        expect(help, argv.join(' ')).toMatch(/\noptions:\n[^]*-h, --help +show this help\n\nexample:\n {2}.*\bportico /);
      }
    }
  });

  it('plans which commands need the database and a password', () => {
    expect(planCommand(['clients', 'check'])).toEqual({ database: false, password: false });
    expect(planCommand(['users', 'show', '--help'])).toMatchObject({ database: false, help: expect.stringMatching(/^usage: portico users show/) });
    expect(planCommand(['keys', 'list'])).toEqual({ database: true, password: false });
    expect(planCommand([...create, '--password-stdin'])).toEqual({ database: true, password: true });
    // Nothing to read without the flag: no prompt on the terminal, an invitation by mail.
    expect(planCommand(create)).toEqual({ database: true, password: false });
    expect(() => planCommand(['users', 'create', '--username', 'u1'])).toThrow(/^usage: portico users create/);
  });

  it('keeps retired keys for the longest token lifetime plus a margin by default', () => {
    expect(defaultRetireAfter(config)).toBe(3600 + 300);
  });
});
