import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * The admin API's Idempotency-Key: per admin client and key, what the request was (a hash of
 * its method, path and body) and, once it finished, its answer, so a retry gets that answer
 * again instead of acting twice. Kept a day (identity/expired-records.ts).
 * `if not exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_idempotency_keys')
    .ifNotExists()
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // Null while the first request runs.
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('admin_idempotency_keys_pkey', ['client_id', 'key'])
    .execute();
  await db.schema.createIndex('admin_idempotency_keys_created').ifNotExists().on('admin_idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_idempotency_keys').ifExists().execute();
}
