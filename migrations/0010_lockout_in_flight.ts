import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Attempts being checked right now, apart from the failures (identity/lockout.ts): a
  // reservation counts only until `*_in_flight_until`, so a process that dies mid-check
  // cannot hold a slot for ever.
  await db.schema
    .alterTable('accounts')
    .addColumn('password_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_in_flight_until', 'timestamptz')
    .addColumn('answer_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answer_in_flight_until', 'timestamptz')
    .execute();

  // The same counters for usernames that have no ID, keyed by a keyed hash of the normalised
  // name (never the name), so an unknown name reaches the locked page at the same count.
  await db.schema
    .createTable('sign_in_decoys')
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('in_flight_until', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_decoys_expires_at').on('sign_in_decoys').column('expires_at').execute();
  // A made-up name's locked page is a 'locked' sign-in step with no account behind it.
  await db.schema.alterTable('sign_in_steps').alterColumn('account_id', (c) => c.dropNotNull()).execute();

  // Wrong legacy passwords by legacy username (across IDs) and by address: keyed hashes.
  await db.schema
    .createTable('legacy_guess_limits')
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('paused_until', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.deleteFrom('sign_in_steps' as never).where('account_id' as never, 'is', null).execute();
  await db.schema.alterTable('sign_in_steps').alterColumn('account_id', (c) => c.setNotNull()).execute();
  await db.schema.dropTable('legacy_guess_limits').execute();
  await db.schema.dropTable('sign_in_decoys').execute();
  for (const column of ['password_in_flight', 'password_in_flight_until', 'answer_in_flight', 'answer_in_flight_until']) {
    await db.schema.alterTable('accounts').dropColumn(column).execute();
  }
}
