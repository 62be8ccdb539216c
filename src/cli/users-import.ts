import { importUsers } from '../identity/legacy/import-accounts.js';
import { UsageError } from './args.js';
import { readImportFile } from './legacy.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

/**
 * `portico users import <file>`: IDs with their legacy hashes. Each owner signs in with the old
 * password once and is moved to argon2id; a bad or repeated line is reported by number and
 * skipped, and then the exit code is 1.
 */
export const usersImport: CommandSpec = {
  path: ['users', 'import'],
  args: '<file.jsonl|file.csv>',
  summary: 'import IDs with their legacy password hashes (username, email, password_hash, name)',
  details: [
    'JSON Lines, or CSV whose header names username,email,password_hash (optional: name); same hashes as legacy import.',
    'Each owner signs in with the old password once and is moved to argon2id. A bad line, or one repeating an',
    "earlier line's username or email, is reported by number and skipped; the exit code is then 1.",
  ],
  example: 'portico users import ./members.jsonl',
  database: true,
  async run([file, ...extra], ctx) {
    if (!file || extra.length || file.startsWith('-')) throw new UsageError(usageOf(usersImport));
    const lines = await readImportFile(file, 'users', ctx.err);
    if (lines === undefined) return 1;
    const summary = await importUsers(await ctx.db(), lines, operatorOf(ctx));
    for (const skipped of summary.skipped) ctx.err(`${file}: line ${skipped.line}: ${skipped.error}`);
    ctx.out(`${summary.accountsCreated} ID(s) imported, ${summary.skipped.length} skipped`);
    return summary.skipped.length > 0 ? 1 : 0;
  },
};
