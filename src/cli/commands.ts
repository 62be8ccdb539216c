import { clients } from './clients.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';
import { keys } from './keys.js';
import { migrate } from './migrate.js';
import { users } from './users.js';

export const helpText = `Portico operator commands

  portico migrate                                   run pending database migrations
  portico keys list                                 list signing keys and their status
  portico keys rotate [--retire-after SECONDS]      make new signing keys current; the old ones stay
                                                    published for SECONDS (default: longest token
                                                    lifetime + 300)
  portico users create --username U --email E --given-name G --family-name F [--password-stdin]
                                                    create an account (password from stdin or the terminal)
  portico clients check                             validate the clients file and list the portals
  portico help                                      this text`;

const commands: Record<string, Command> = { migrate, keys, users, clients };

/** Runs one command; exit code 0 success, 1 failure, 2 usage. */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') {
    ctx.out(helpText);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    ctx.err(`unknown command "${name}"; see portico help`);
    return 2;
  }
  try {
    return await command(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      ctx.err((error as Error).message.split('\n')[0]!);
      return 2;
    }
    throw error;
  }
}
