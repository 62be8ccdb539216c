import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * One table for every flow kind (sign-in, registration, verification, recovery, settings):
 * a record with a kind, a state, an expiry, the account once known and what the next step
 * needs (`data`, JSON). The sign-in steps move here first; a sign-in in progress during the
 * upgrade (at most the interaction's lifetime) starts again at its password. `if [not]
 * exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flows')
    .ifNotExists()
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('decoy_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flows_expires_at').ifNotExists().on('flows').column('expires_at').execute();
  await db.schema.createIndex('flows_account_kind').ifNotExists().on('flows').columns(['account_id', 'kind']).execute();
  await db.schema.dropTable('sign_in_steps').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sign_in_steps')
    .addColumn('interaction_uid', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('amr', 'text', (c) => c.notNull())
    .addColumn('remember', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_steps_expires_at').on('sign_in_steps').column('expires_at').execute();
  await db.schema.dropTable('flows').execute();
}
