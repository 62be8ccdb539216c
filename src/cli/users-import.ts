import { importUsers } from '../identity/legacy/import-accounts.js';
import { formatOf, parseLegacyFile } from '../identity/legacy/import-file.js';
import { UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { readImportFile } from './legacy.js';

/**
 * `portico users import <file>`: IDs with their legacy hashes (JSON Lines or CSV: username,
 * email, password_hash, name). Each owner signs in with the old password once and is moved to
 * argon2id; a bad line is reported by number and skipped, and then the exit code is 1.
 */
export async function usersImport(args: string[], ctx: CommandContext, operator: string): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length) throw new UsageError('usage: portico users import <file.jsonl|file.csv>');
  const text = await readImportFile(file, ctx.err);
  if (text === undefined) return 1;
  const summary = await importUsers(await ctx.db(), parseLegacyFile(text, formatOf(file, text), 'users'), operator);
  for (const skipped of summary.skipped) ctx.err(`${file}: line ${skipped.line}: ${skipped.error}`);
  ctx.out(`${summary.accountsCreated} ID(s) imported, ${summary.skipped.length} skipped`);
  return summary.skipped.length > 0 ? 1 : 0;
}
