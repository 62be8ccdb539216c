import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    // Rendered when queued, so any process can send it without the templates or their data.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('account_id', 'text')
    // Stable across retries: a receiver can tell a resend after an ambiguous failure from a new mail.
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addCheckConstraint('mail_outbox_status_check', sql`status in ('pending', 'sending', 'sent', 'failed')`)
    .execute();
  // The sender's poll reads only unfinished mail; sent and failed rows stay out of the index.
  await sql`create index mail_outbox_due on mail_outbox (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  await db.schema.createIndex('mail_outbox_created').on('mail_outbox').column('created_at').execute();
  await db.schema.createIndex('mail_outbox_account').on('mail_outbox').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute();
}
