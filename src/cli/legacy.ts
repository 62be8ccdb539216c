import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importLegacyRecords } from '../identity/legacy/import-accounts.js';
import { formatOf, parseLegacyFile } from '../identity/legacy/import-file.js';
import { parseFlags, UsageError } from './args.js';
import type { Command } from './context.js';
import { operatorName } from './users.js';

const usage = 'usage: portico legacy import <system> <file.jsonl|file.csv> [--create-accounts]';

/** The file is named relative to where the operator typed the command, wherever it runs. */
export function absoluteImportPath(argv: string[]): string[] {
  const at = argv[1] !== 'import' ? -1 : argv[0] === 'legacy' ? 3 : argv[0] === 'users' ? 2 : -1;
  const file = argv[at];
  if (at < 0 || !file || file.startsWith('-')) return argv;
  return argv.map((arg, i) => (i === at ? path.resolve(file) : arg));
}

/** Reads an import file, or says why not; undefined when it could not be read. */
export async function readImportFile(file: string, err: (line: string) => void): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    err(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/**
 * `portico legacy import`: a bad line is reported with its number and skipped, the rest import,
 * and the command exits 1 if anything was skipped (issue 6, item 2).
 */
const importCommand: Command = async ([system, file, ...rest], ctx) => {
  if (!system || !file) throw new UsageError(usage);
  const flags = parseFlags(rest, { 'create-accounts': { type: 'boolean' } });
  const systems = [...ctx.config.clients.settings.values()].flatMap((s) => (s.legacyLink ? [s.legacyLink.system] : []));
  if (!systems.includes(system)) throw new UsageError(`no client in ${ctx.config.clientsFile} declares legacy system "${system}"`);
  const text = await readImportFile(file, ctx.err);
  if (text === undefined) return 1;
  const lines = parseLegacyFile(text, formatOf(file, text));
  const summary = await importLegacyRecords(await ctx.db(), system, lines, { createAccounts: flags['create-accounts'] === true, operator: operatorName(ctx) });
  for (const skipped of summary.skipped) ctx.err(`${file}: line ${skipped.line}: ${skipped.error}`);
  const created = flags['create-accounts'] ? `, ${summary.accountsCreated} ID(s) created` : '';
  ctx.out(`${system}: ${summary.imported} imported${created}, ${summary.skipped.length} skipped`);
  return summary.skipped.length > 0 ? 1 : 0;
};

export const legacy: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'import') return importCommand(rest, ctx);
  throw new UsageError(usage);
};
