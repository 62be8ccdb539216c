import type { Command } from './context.js';

/**
 * One operator command, declared in its own file with its help beside its code: the registry
 * in commands.ts lists the specs, and `--help`, `portico help` and usage errors are made from
 * them, so a new command is one file plus one line there.
 */
export interface CommandSpec {
  /** The words that name it: ['keys', 'list']. */
  path: string[];
  /** What follows the words in the usage line: `<username|email>`, `[--retire-after SECONDS]`. */
  args?: string;
  /** One line for the overview. */
  summary: string;
  /** More to say under the usage line, one sentence a line. */
  details?: string[];
  /** Flag and meaning; `-h, --help` is added to every command. */
  options?: Array<[flag: string, meaning: string]>;
  example: string;
  /** Needs the database: runs here, or inside the server holding the embedded data directory. */
  database: boolean;
  /** Reads a password on the operator's side before it runs, when given --password-stdin. */
  password?: boolean;
  /** Checks the arguments before anything is asked or opened; throws UsageError. */
  checkArgs?(args: string[]): void;
  run: Command;
}

export function usageLine(spec: CommandSpec): string {
  return `portico ${[...spec.path, spec.args].filter(Boolean).join(' ')}`;
}

/** The usage error of a command: one line, exit 2. */
export function usageOf(spec: CommandSpec): string {
  return `usage: ${usageLine(spec)}`;
}

function table(rows: Array<[string, string]>, indent = '  '): string[] {
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => (left.length > width ? `${indent}${left}\n${indent}${' '.repeat(width)}  ${right}` : `${indent}${left.padEnd(width)}  ${right}`));
}

/** `portico <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  const options: Array<[string, string]> = [...(spec.options ?? []), ['-h, --help', 'show this help']];
  return [
    `usage: ${usageLine(spec)}`,
    '',
    spec.summary,
    ...(spec.details ? ['', ...spec.details] : []),
    '',
    'options:',
    ...table(options),
    '',
    'example:',
    `  ${spec.example}`,
  ].join('\n');
}

/** `portico <group> --help` or `portico help`: one line per command. */
export function overview(title: string, specs: readonly CommandSpec[], footer: string[] = []): string {
  return [title, '', ...table(specs.map((s) => [usageLine(s), s.summary])), '', ...footer].join('\n').trimEnd();
}
