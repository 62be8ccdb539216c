import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * The phone second step. `phone_numbers`: an account's confirmed number, in E.164, one per
 * account. `phone_pending`: a number being set up or changed on the account page, kept apart
 * until its code is confirmed, so that nothing half set up can sign anyone in; and when the
 * account already has a number, when a code sent to that one was confirmed (a change needs it).
 * `phone_outbox`: every text and call, sent or being sent: what the toll-fraud limits count
 * (per number, account and address), and what /dev/outbox shows; bodies hold live codes and are
 * blanked once sent unless the gateway keeps them (the dev outbox outside production).
 * `if [not] exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('phone_numbers')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('e164', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('phone_pending')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('new_e164', 'text')
    .addColumn('current_proved_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('phone_outbox')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('sending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('phone_outbox_number_idx').ifNotExists().on('phone_outbox').columns(['to_number', 'created_at']).execute();
  await db.schema.createIndex('phone_outbox_account_idx').ifNotExists().on('phone_outbox').columns(['account_id', 'created_at']).execute();
  await db.schema.createIndex('phone_outbox_ip_idx').ifNotExists().on('phone_outbox').columns(['ip', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('phone_outbox').ifExists().execute();
  await db.schema.dropTable('phone_pending').ifExists().execute();
  await db.schema.dropTable('phone_numbers').ifExists().execute();
}
