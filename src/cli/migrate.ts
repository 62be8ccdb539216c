import { migrateToLatest } from '../storage/migrator.js';
import { parseFlags } from './args.js';
import type { CommandSpec } from './spec.js';

export const migrate: CommandSpec = {
  path: ['migrate'],
  summary: 'run pending database migrations',
  details: ['Servers migrate at start unless AUTO_MIGRATE=false; run this in a release step then.'],
  example: 'DATABASE_URL=postgres://portico@db/portico portico migrate',
  database: true,
  async run(args, ctx) {
    parseFlags(args, {});
    const result = await migrateToLatest(await ctx.db());
    const applied = result.results ?? [];
    if (applied.length === 0) ctx.out('database is up to date');
    for (const r of applied) ctx.out(`applied ${r.migrationName}`);
    return 0;
  },
};
