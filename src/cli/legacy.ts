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
  if (argv[0] !== 'legacy' || argv[1] !== 'import' || !argv[3] || argv[3].startsWith('-')) return argv;
  return [...argv.slice(0, 3), path.resolve(argv[3]), ...argv.slice(4)];
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    ctx.err(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return 1;
  }
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
