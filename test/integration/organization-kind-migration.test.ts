import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { insertAccount } from '../../src/identity/accounts.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';

/*
 * Migration 0035 gives organisations made before it a kind: their requester's account type,
 * or "provider" when that ID no longer exists; afterwards the column may not be left empty.
 */

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openDatabase({ dataDir: 'memory://' });
  const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations }, migrationTableName: 'portico_migrations', migrationLockTableName: 'portico_migrations_lock' });
  const before = await migrator.migrateTo('0034_organizations');
  if (before.error) throw before.error;
});
afterAll(() => handle?.close());

const organization = (id: string, createdBy: string, last4: string) => ({
  id,
  legal_name: `Org ${id}`,
  address: '1 Main St',
  phone: '218-555-0100',
  tax_id_hash: `hash-${id}`,
  tax_id_sealed: 'sealed',
  tax_id_last4: last4,
  created_by: createdBy,
});

describe('migration 0035', () => {
  it('backfills each organisation\'s kind from its requester, else provider, and then requires one', async () => {
    const db = handle.db;
    const employer = await insertAccount(db, { username: 'hr-hank', email: 'hank@example.com', givenName: 'Hank', familyName: 'Hill', passwordHash: 'x', emailVerified: true });
    await db.updateTable('accounts').set({ account_type: 'employer' }).where('id', '=', employer.id).execute();
    // Inserted as the schema was before 0035: without a kind.
    const insert = (row: ReturnType<typeof organization>) => sql`insert into organizations (id, legal_name, address, phone, tax_id_hash, tax_id_sealed, tax_id_last4, created_by) values (${row.id}, ${row.legal_name}, ${row.address}, ${row.phone}, ${row.tax_id_hash}, ${row.tax_id_sealed}, ${row.tax_id_last4}, ${row.created_by})`.execute(db);
    await insert(organization('with-requester', `account:${employer.id}`, '1111'));
    await insert(organization('requester-gone', 'account:00000000-0000-4000-8000-000000000000', '2222'));

    await migrateToLatest(db);
    const kinds = await db.selectFrom('organizations').select(['id', 'kind']).orderBy('id').execute();
    expect(kinds).toEqual([
      { id: 'requester-gone', kind: 'provider' },
      { id: 'with-requester', kind: 'employer' },
    ]);
    await expect(insert(organization('no-kind', `account:${employer.id}`, '3333'))).rejects.toThrow(/kind/);
  });
});
