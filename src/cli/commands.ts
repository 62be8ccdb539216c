import { ConfigError } from '../config/index.js';
import { UsageError } from './args.js';
import { clients } from './clients.js';
import type { Command, CommandContext } from './context.js';
import { keys, RETIRE_MARGIN_SECONDS } from './keys.js';
import { legacy } from './legacy.js';
import { links } from './links.js';
import { migrate } from './migrate.js';
import { firstLine } from './output.js';
import { parseCreateArgs, takesPassword, users } from './users.js';

export const helpText = `Portico operator commands

  portico migrate                                   run pending database migrations
  portico keys list                                 list signing keys and their status
  portico keys rotate [--retire-after SECONDS]      make new signing keys current; the old ones stay
                                                    published for SECONDS (default: the longest of the
                                                    ID token and access token lifetimes in the policy,
                                                    plus ${RETIRE_MARGIN_SECONDS})
  portico users create --username U --email E --given-name G --family-name F [--password-stdin]
                                                    create an account; the password comes from stdin
                                                    with --password-stdin, else it is asked for on the
                                                    terminal
  portico users import <file>                       import IDs with their legacy password hashes (JSON Lines
                                                    or CSV: username, email, password_hash, name); each
                                                    moves to argon2id at its first sign-in
  portico users show <username|email>               status, lock, failed sign-ins, last sign-in, security
                                                    questions and remembered devices of one ID
  portico users unlock|enable <username|email>      re-enable a locked or disabled ID
  portico users disable <username|email>            disable an ID (only the help desk can re-enable it)
  portico users forget-devices <username|email>     forget its remembered devices: the second step again
  portico users reset-security-questions <username|email>
                                                    delete its answers: new ones are set at next sign-in
  portico legacy import <system> <file> [--create-accounts]
                                                    import a legacy system's users (JSON Lines or CSV:
                                                    subject, username, password_hash, email, name) for
                                                    the link step; --create-accounts also makes IDs of
                                                    those with an email, who sign in with the old password
  portico links list <username|email>               the legacy subjects an ID is linked to
  portico links remove <username|email> <system>    remove one link: the portal asks for it again
  portico clients check                             validate the clients file and list the portals
  portico help                                      this text

On the embedded database (no DATABASE_URL), commands run inside the server through its control
socket while it is running on the same DATA_DIR.
Exit codes: 0 success, 1 failure, 2 usage.`;

interface CommandSpec {
  run: Command;
  /** Needs the database, so it must run where the database is open (here or in the server). */
  database: boolean;
}

const commands: Record<string, CommandSpec> = {
  migrate: { run: migrate, database: true },
  keys: { run: keys, database: true },
  users: { run: users, database: true },
  clients: { run: clients, database: false },
  legacy: { run: legacy, database: true },
  links: { run: links, database: true },
};

export interface CommandPlan {
  database: boolean;
  password: boolean;
}

export function isHelp(argv: string[]): boolean {
  return argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h';
}

/**
 * What a command will need, decided before it runs: whether to reach the database (here or
 * through the server) and whether to read a password first. Throws UsageError.
 */
export function planCommand(argv: string[]): CommandPlan {
  const [name] = argv;
  if (!name) throw new UsageError('usage: portico <command>; see portico help');
  const spec = commands[name];
  if (!spec) throw new UsageError(`unknown command "${name}"; see portico help`);
  const password = takesPassword(argv);
  if (password) parseCreateArgs(argv.slice(2));
  return { database: spec.database, password };
}

/**
 * Runs one command, in the CLI or inside the server. Exit code 0 success, 1 failure,
 * 2 usage; every error is one line through ctx.err.
 */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<number> {
  try {
    if (isHelp(argv)) {
      ctx.out(helpText);
      return 0;
    }
    planCommand(argv);
    const [name, ...rest] = argv;
    return await commands[name!]!.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(error.message);
      return 2;
    }
    ctx.err(error instanceof ConfigError ? error.message : firstLine(String((error as Error)?.message ?? error)));
    return 1;
  }
}
