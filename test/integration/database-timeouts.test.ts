import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, openMigrationDb, type DatabaseHandle } from '../../src/storage/database.js';
import { DATABASE_TIMEOUTS } from '../../src/storage/pg-pool.js';
import { startPostgres, type RunningService } from '../support/servers.js';

/*
 * Requests get bounded database waits (a slow or hung PostgreSQL answers 503, see
 * dependency-outage.test.ts); migrations do not: building an index on a large table may take
 * minutes, and must not be cancelled half-way by the request pool's statement_timeout.
 */

let server: RunningService | undefined;
let handle: DatabaseHandle;

beforeAll(async () => {
  if (!process.env.DATABASE_URL) server = await startPostgres();
  handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL ?? server!.url, dataDir: 'memory://' });
});
afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

const longerThanAStatementMayRun = sql`select pg_sleep(${(DATABASE_TIMEOUTS.statementMs + 1000) / 1000})`;

describe('PostgreSQL statement limits', () => {
  it('cancels a request statement that runs too long, and the pool serves the next request', async () => {
    await expect(longerThanAStatementMayRun.execute(handle.db)).rejects.toMatchObject({ code: '57014' });
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(handle.db);
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it('lets a migration statement run as long as it needs, on a connection of its own', async () => {
    const migrations = openMigrationDb(handle.db);
    try {
      expect(migrations.db).not.toBe(handle.db);
      await expect(longerThanAStatementMayRun.execute(migrations.db)).resolves.toBeDefined();
    } finally {
      await migrations.close();
    }
  });
});
