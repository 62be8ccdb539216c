import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    // Consecutive failures; reserved before a check runs, so parallel attempts cannot overshoot (design.md lockout).
    .addColumn('failed_password_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_answer_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_at', 'timestamptz')
    // Decides how a locked account is re-enabled (policy lockout.unlock_by_account_type).
    .addColumn('account_type', 'text', (c) => c.notNull().defaultTo('member'))
    .execute();

  await db.schema
    .createTable('trusted_devices')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // Keyed hash of the browser's random device token: the cookie alone proves nothing to a reader of this table.
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('trusted_devices_account_token').on('trusted_devices').columns(['account_id', 'token_hash']).execute();

  // Sign-in in progress between the password and the end of the second step, keyed by the
  // oidc-provider interaction uid so any process can serve the next request (design.md).
  await db.schema
    .createTable('sign_in_steps')
    .addColumn('interaction_uid', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // 'second_step' (password right, proof pending), 'enrol' (proof given, questions to set), 'locked'.
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('amr', 'text', (c) => c.notNull())
    .addColumn('remember', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_steps_expires_at').on('sign_in_steps').column('expires_at').execute();
  await db.schema.createIndex('trusted_devices_expires_at').on('trusted_devices').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_steps').execute();
  await db.schema.dropTable('trusted_devices').execute();
  for (const column of ['failed_password_count', 'failed_answer_count', 'locked_at', 'account_type']) {
    await db.schema.alterTable('accounts').dropColumn(column).execute();
  }
}
