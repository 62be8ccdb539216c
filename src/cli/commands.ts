import { ConfigError } from '../config/index.js';
import { UsageError } from './args.js';
import { clientsCheck } from './clients.js';
import type { CommandContext } from './context.js';
import { keysList, keysRotate } from './keys.js';
import { keysRotateEncryption } from './keys-encryption.js';
import { legacyImport } from './legacy.js';
import { linksList, linksRemove } from './links.js';
import { migrate } from './migrate.js';
import { orgsCommands } from './orgs.js';
import { firstLine } from './output.js';
import { commandHelp, overview, type CommandSpec } from './spec.js';
import { staffCommands } from './staff.js';
import { usersHelpDesk } from './users-admin.js';
import { usersDelete } from './users-delete.js';
import { usersImport } from './users-import.js';
import { usersCreate } from './users.js';
import { webhooksCommands } from './webhooks.js';

/** Every operator command, in the order `portico help` lists them; each declares its help in its own file. */
export const registry: readonly CommandSpec[] = [
  migrate,
  keysList,
  keysRotate,
  keysRotateEncryption,
  usersCreate,
  usersImport,
  ...usersHelpDesk,
  usersDelete,
  ...staffCommands,
  ...orgsCommands,
  ...webhooksCommands,
  legacyImport,
  linksList,
  linksRemove,
  clientsCheck,
];

const FOOTER = [
  'Run portico <command> --help (or -h) for its options and an example.',
  'On the embedded database (no DATABASE_URL), commands run inside the server through its control',
  'socket while it is running on the same DATA_DIR.',
  'Exit codes: 0 success, 1 failure, 2 usage.',
];

export const helpText = overview('Portico operator commands', registry, FOOTER);

const isHelpFlag = (arg: string) => arg === '--help' || arg === '-h';

type Resolved = { help: string } | { spec: CommandSpec; args: string[] };

/** The command the words name, with the longest match first (`users show` before `users`). */
function find(words: string[]): CommandSpec | undefined {
  return registry.find((spec) => spec.path.every((word, i) => words[i] === word));
}

function groupOf(name: string): CommandSpec[] {
  return registry.filter((spec) => spec.path[0] === name && spec.path.length > 1);
}

/** `portico help [words]`, `portico <words> --help`: the help the words ask for. */
function helpFor(words: string[]): string {
  if (words.length === 0) return helpText;
  const spec = find(words);
  if (spec && words.length === spec.path.length) return commandHelp(spec);
  const group = groupOf(words[0]!);
  if (group.length > 0 && words.length === 1) return overview(`portico ${words[0]} commands`, group, ['Run portico <command> --help (or -h) for its options and an example.']);
  throw new UsageError(`unknown command "${words.join(' ')}"; see portico help`);
}

function resolve(argv: string[]): Resolved {
  const [name, ...rest] = argv;
  if (!name) throw new UsageError('usage: portico <command>; see portico help');
  if (name === 'help') return { help: helpFor(rest) };
  if (isHelpFlag(name)) return { help: helpText };
  const spec = find(argv);
  if (spec) {
    const args = argv.slice(spec.path.length);
    return args.some(isHelpFlag) ? { help: commandHelp(spec) } : { spec, args };
  }
  const group = groupOf(name);
  if (group.length === 0) throw new UsageError(`unknown command "${name}"; see portico help`);
  if (rest.length === 0 || isHelpFlag(rest[0]!)) {
    if (rest.length > 0) return { help: helpFor([name]) };
    throw new UsageError(`usage: portico ${name} ${group.map((s) => s.path[1]).join('|')} ...; see portico ${name} --help`);
  }
  throw new UsageError(`unknown command "${name} ${rest[0]}"; see portico ${name} --help`);
}

export interface CommandPlan {
  database: boolean;
  password: boolean;
  /** Set when the words ask for help: print it, run nothing. */
  help?: string;
}

/**
 * What a command will need, decided before it runs: whether to reach the database (here or
 * through the server) and whether to read a password first. Help needs neither, nor a
 * config. Throws UsageError.
 */
export function planCommand(argv: string[]): CommandPlan {
  const resolved = resolve(argv);
  if ('help' in resolved) return { database: false, password: false, help: resolved.help };
  const { spec, args } = resolved;
  spec.checkArgs?.(args);
  // Only a password piped in is read: without the flag, `users create` mails a link instead.
  return { database: spec.database, password: spec.password === true && args.includes('--password-stdin') };
}

/**
 * Runs one command, in the CLI or inside the server. Exit code 0 success, 1 failure,
 * 2 usage; every error is one line through ctx.err.
 */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<number> {
  try {
    const resolved = resolve(argv);
    if ('help' in resolved) {
      ctx.out(resolved.help);
      return 0;
    }
    resolved.spec.checkArgs?.(resolved.args);
    return await resolved.spec.run(resolved.args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(error.message);
      return 2;
    }
    ctx.err(error instanceof ConfigError ? error.message : firstLine(String((error as Error)?.message ?? error)));
    return 1;
  }
}
