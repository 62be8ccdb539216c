import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../migrations/index.js';
import { openMigrationDb, type Db } from './database.js';

/**
 * Runs every pending migration; the same files serve PostgreSQL and PGlite. On PostgreSQL
 * they run on their own pool, free of the request pool's timeouts (see pg-pool.ts).
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const target = openMigrationDb(db);
  try {
    const migrator = new Migrator({
      db: target.db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'portico_migrations',
      migrationLockTableName: 'portico_migrations_lock',
    });
    const result = await migrator.migrateToLatest();
    if (result.error) throw result.error;
    return result;
  } finally {
    await target.close();
  }
}
