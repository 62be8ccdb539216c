import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';
import { migrations } from '../../migrations/index.js';
import { buildPgliteTemplate } from '../support/pglite-template.js';
import { startPortico } from '../support/portico.js';

/*
 * PGLITE_TEMPLATE: memory:// databases start from a dump of a migrated cluster. A template
 * carries the schema only: every instance started from it makes its own keys and secrets.
 */

let work: string;
let template: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'portico-template-test-'));
  template = path.join(work, 'template.tar.gz');
  await buildPgliteTemplate(template);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every table of the public schema that holds rows. */
async function tablesWithRows(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`.execute(db);
  const full: string[] = [];
  for (const { name } of rows) {
    const count = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(db);
    if (count.rows[0]!.n > 0) full.push(name);
  }
  return full;
}

/** The given settings' values, and the signing keys' ids, of a database. */
async function secrets(db: Db): Promise<string[]> {
  const settings = await db.selectFrom('instance_settings').select('value').execute();
  const keys = await sql<{ kid: string }>`select kid from signing_keys`.execute(db);
  return [...settings.map((r) => r.value), ...keys.rows.map((r) => r.kid)];
}

describe('a memory:// database opened from a template', () => {
  it('has every migration and nothing but the migrations\' records', async () => {
    const handle = await openDatabase({ dataDir: 'memory://', template });
    try {
      expect(await tablesWithRows(handle.db)).toEqual(['portico_migrations', 'portico_migrations_lock']);
      const result = await migrateToLatest(handle.db);
      expect(result.results).toEqual([]);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from portico_migrations`.execute(handle.db);
      expect(rows[0]!.n).toBe(Object.keys(migrations).length);
    } finally {
      await handle.close();
    }
  });

  it('from an older checkout gets the rest of the migrations', async () => {
    const last = Object.keys(migrations).sort().at(-1)!;
    const older = path.join(work, 'older.tar.gz');
    const handle = await openDatabase({ dataDir: 'memory://', template });
    try {
      await sql`delete from portico_migrations where name = ${last}`.execute(handle.db);
      writeFileSync(older, Buffer.from(await (await handle.dump!()).arrayBuffer()));
    } finally {
      await handle.close();
    }
    const behind = await openDatabase({ dataDir: 'memory://', template: older });
    try {
      const result = await migrateToLatest(behind.db);
      expect(result.results?.map((r) => [r.migrationName, r.status])).toEqual([[last, 'Success']]);
    } finally {
      await behind.close();
    }
  });

  // Test servers use PostgreSQL when DATABASE_URL is set: the template is for the embedded pass.
  it.skipIf(process.env.DATABASE_URL)('gives each server started from it its own keys and secrets', async () => {
    const env = { PGLITE_TEMPLATE: template };
    const first = await startPortico({ redisUrl: null, env });
    const second = await startPortico({ redisUrl: null, env });
    try {
      const a = await secrets(first.server.database.db);
      const b = await secrets(second.server.database.db);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBe(a.length);
      expect(a.filter((value) => b.includes(value))).toEqual([]);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

// The global setup (test/support/pglite-template.ts) sets it before the workers are forked;
// PGLITE_TEMPLATE=off leaves it empty.
it.skipIf(process.env.DATABASE_URL || process.env.PGLITE_TEMPLATE === '')('the test run hands its workers a template, which test servers start from', async () => {
  expect(process.env.PGLITE_TEMPLATE).toMatch(/template\.tar\.gz$/);
  const server = await startPortico({ redisUrl: null });
  try {
    expect(server.config.pgliteTemplate).toBe(process.env.PGLITE_TEMPLATE);
  } finally {
    await server.stop();
  }
});

describe('a template that cannot be used', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: 'memory://', CLIENTS_FILE: 'config/clients.json' };

  it('that cannot be read is one line naming the variable', () => {
    const missing = path.join(work, 'missing.tar.gz');
    expect(() => loadConfig({ ...base, PGLITE_TEMPLATE: missing })).toThrow(`environment: PGLITE_TEMPLATE: cannot read ${missing}: ENOENT`);
  });

  it('that PGlite cannot load is one line naming the variable, not an empty cluster', async () => {
    const garbage = path.join(work, 'garbage.tar.gz');
    writeFileSync(garbage, 'not a dump');
    const error = await openDatabase({ dataDir: 'memory://', template: garbage }).then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(/^environment: PGLITE_TEMPLATE: cannot load .*garbage\.tar\.gz/);
    expect(error?.message).not.toContain('\n');
  });
});
