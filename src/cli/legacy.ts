import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importLegacyRecords, type ExistingSubject } from '../identity/legacy/import-accounts.js';
import { formatOf, ImportFileError, parseLegacyFile, type ParsedLine } from '../identity/legacy/import-file.js';
import { parseFlags, UsageError } from './args.js';
import type { CommandIo } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

/** The file is named relative to where the operator typed the command, wherever it runs. */
export function absoluteImportPath(argv: string[]): string[] {
  const at = argv[1] !== 'import' ? -1 : argv[0] === 'legacy' ? 3 : argv[0] === 'users' ? 2 : -1;
  const file = argv[at];
  if (at < 0 || !file || file.startsWith('-')) return argv;
  return argv.map((arg, i) => (i === at ? path.resolve(file) : arg));
}

/** Reads and parses an import file, or says in one line why not; undefined then. */
export async function readImportFile(file: string, kind: 'legacy' | 'users', err: CommandIo['err']): Promise<ParsedLine[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    err(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return parseLegacyFile(text, formatOf(file, text), kind);
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    err(`${file}: ${error.message}`);
    return undefined;
  }
}

const EXISTING: readonly ExistingSubject[] = ['skip', 'update'];

/** `portico legacy import`: a bad or repeated line is reported with its number and skipped, the rest import. */
export const legacyImport: CommandSpec = {
  path: ['legacy', 'import'],
  args: '<system> <file.jsonl|file.csv> [--existing skip|update] [--create-accounts]',
  summary: "import a legacy system's users (subject, username, password_hash, email, name) for the link step",
  details: [
    'JSON Lines, or CSV whose header names subject,username,password_hash (optional: email, name).',
    'Hashes: bcrypt, PBKDF2-SHA256/512, argon2, SHA-512-crypt. A bad line, or one repeating an earlier',
    "line's subject or username, is reported by number and skipped; the exit code is then 1.",
    '<system> is a legacy_link.system of the clients file.',
  ],
  options: [
    ['--existing skip|update', 'a subject imported before: leave its record (skip, the default) or replace it with this line (update)'],
    ['--create-accounts', 'also make an ID of each new record with an email; its owner signs in with the old password once'],
  ],
  example: 'portico legacy import trucase ./trucase-users.csv --existing update',
  database: true,
  async run([system, file, ...rest], ctx) {
    if (!system || !file || system.startsWith('-') || file.startsWith('-')) throw new UsageError(usageOf(legacyImport));
    const flags = parseFlags(rest, { 'create-accounts': { type: 'boolean' }, existing: { type: 'string' } });
    const existing = (flags.existing ?? 'skip') as ExistingSubject;
    if (!EXISTING.includes(existing)) throw new UsageError(`--existing takes skip or update, not "${flags.existing}"`);
    const systems = [...ctx.config.clients.settings.values()].flatMap((s) => (s.legacyLink ? [s.legacyLink.system] : []));
    if (!systems.includes(system)) throw new UsageError(`no client in ${ctx.config.clientsFile} declares legacy system "${system}"`);
    const lines = await readImportFile(file, 'legacy', ctx.err);
    if (lines === undefined) return 1;
    const createAccounts = flags['create-accounts'] === true;
    const summary = await importLegacyRecords(await ctx.db(), system, lines, { createAccounts, existing, operator: operatorOf(ctx) });
    for (const skipped of summary.skipped) ctx.err(`${file}: line ${skipped.line}: ${skipped.error}`);
    const parts = [
      `${summary.imported} imported`,
      ...(summary.updated ? [`${summary.updated} updated`] : []),
      ...(summary.kept ? [`${summary.kept} already imported and kept (--existing update replaces them)`] : []),
      ...(createAccounts ? [`${summary.accountsCreated} ID(s) created`] : []),
      `${summary.skipped.length} skipped`,
    ];
    ctx.out(`${system}: ${parts.join(', ')}`);
    return summary.skipped.length > 0 ? 1 : 0;
  },
};
