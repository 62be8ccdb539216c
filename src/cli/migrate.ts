import { migrateToLatest } from '../storage/migrator.js';
import { parseFlags } from './args.js';
import type { Command } from './context.js';

export const migrate: Command = async (args, ctx) => {
  parseFlags(args, {});
  const result = await migrateToLatest(await ctx.db());
  const applied = result.results ?? [];
  if (applied.length === 0) ctx.out('database is up to date');
  for (const r of applied) ctx.out(`applied ${r.migrationName}`);
  return 0;
};
