import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * An authenticator app (TOTP, RFC 6238) as a second step. Its secret is sealed at rest with the
 * keys-encryption key (storage/secret-box.ts), never stored in clear; `confirmed_at` stays null
 * until a first code proved the app holds it; `last_used_step` is the newest time step a code
 * was accepted for, so no code is accepted twice (RFC 6238 §5.2). Recovery codes stand in for
 * a lost phone, each once, kept as keyed hashes like one-time codes. `if [not] exists`:
 * re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authenticator_apps')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('authenticator_recovery_codes')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('authenticator_recovery_codes_pk', ['account_id', 'code_hash'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('authenticator_recovery_codes').ifExists().execute();
  await db.schema.dropTable('authenticator_apps').ifExists().execute();
}
