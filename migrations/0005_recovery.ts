import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    // Sessions and tokens issued before this instant no longer count (password reset, "sign out everywhere").
    .addColumn('sessions_valid_after', 'timestamptz')
    // The name typed as the signature when terms require one (issue 5, item 4).
    .addColumn('terms_signature', 'text')
    .execute();

  // A browser's "Forgot password" (kratos-style flow): the browser holds a random id, the table
  // its keyed hash. account_id is null when the username matched no ID, so that flow looks alike.
  await db.schema
    .createTable('recovery_flows')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('login', 'text', (c) => c.notNull())
    // 'prove' (code or questions pending), 'new_password' (proved), 'done'.
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('decoy_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recovery_flows_expires_at').on('recovery_flows').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_flows').execute();
  await db.schema.alterTable('accounts').dropColumn('sessions_valid_after').dropColumn('terms_signature').execute();
}
