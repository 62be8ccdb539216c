import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Credentials imported from a portal's old login system, kept in their original hash.
  await db.schema
    .createTable('legacy_accounts')
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('legacy_accounts_pk', ['system', 'subject'])
    .execute();
  await sql`create unique index legacy_accounts_username on legacy_accounts (system, lower(username))`.execute(db);

  // One link per legacy subject and per account and system, whichever side is asked (issue 6, item 3).
  await db.schema
    .createTable('account_links')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('account_links_pk', ['account_id', 'system'])
    .addUniqueConstraint('account_links_subject', ['system', 'subject'])
    .execute();

  // Wrong legacy passwords per account and system: 5 within 15 minutes pause the step.
  await db.schema
    .createTable('legacy_link_attempts')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paused_until', 'timestamptz')
    .addPrimaryKeyConstraint('legacy_link_attempts_pk', ['account_id', 'system'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['legacy_link_attempts', 'account_links', 'legacy_accounts']) await db.schema.dropTable(table).execute();
}
