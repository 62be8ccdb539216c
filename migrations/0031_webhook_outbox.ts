import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Events for portals' webhooks, written in the transaction of the change they report, so an
 * event exists exactly when its change committed. One row per event: which portals take it
 * is decided when it is sent, from the clients in force; `delivered_to` lists the endpoints
 * that acknowledged it so a retry goes only to the others. The row holds the event's type and
 * the ID's subject (the portal asks userinfo for anything else): nothing secret, no address.
 * `if not exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_outbox')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('delivered_to', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('finished_at', 'timestamptz')
    .addCheckConstraint('webhook_outbox_status_check', sql`status in ('pending', 'sending', 'delivered', 'dead')`)
    .execute();
  // The sender's poll reads only unfinished events; delivered and dead rows stay out of the index.
  await sql`create index if not exists webhook_outbox_due on webhook_outbox (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  await db.schema.createIndex('webhook_outbox_finished').ifNotExists().on('webhook_outbox').column('finished_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_outbox').ifExists().execute();
}
