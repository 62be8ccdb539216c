import { migrateToLatest } from '../storage/migrator.js';
import type { Command } from './context.js';

export const migrate: Command = async (_args, ctx) => {
  const result = await migrateToLatest(await ctx.db());
  const applied = result.results ?? [];
  ctx.out(applied.length ? applied.map((r) => `applied ${r.migrationName}`).join('\n') : 'database is up to date');
  return 0;
};
