import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * "Forgot password" moves onto the one `flows` table (kind 'recovery'). A live flow is copied
 * under its own id hash: the old table's label ('recovery-flow') is the one flows use for the
 * kind, so a browser in the middle of a reset carries on. A finished flow ('done') is not
 * copied: the flow table deletes a finished recovery, and its page only ever sent it back to
 * the start. The pretend code's send time (decoy_code_sent_at) is not carried: decoy codes are
 * kept per username (decoy_codes) and nothing reads it. Guarded by to_regclass and `if exists`:
 * re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass('recovery_flows') is not null as present`.execute(db);
  if (rows[0]?.present) {
    await sql`
      insert into flows (id_hash, kind, state, account_id, data, decoy_failures, created_at, updated_at, expires_at)
      select id_hash, 'recovery', stage, account_id,
             jsonb_strip_nulls(jsonb_build_object('login', login, 'proof', proof))::text,
             decoy_failures, created_at, created_at, expires_at
        from recovery_flows
       where expires_at > now() and stage <> 'done'
      on conflict (id_hash) do nothing`.execute(db);
  }
  await db.schema.dropTable('recovery_flows').ifExists().execute();
}

/** The table as 0005, 0008 and 0011 left it, with the live recovery flows moved back. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recovery_flows')
    .ifNotExists()
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('decoy_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decoy_code_sent_at', 'timestamptz')
    .addColumn('proof', 'text')
    .execute();
  await db.schema.createIndex('recovery_flows_expires_at').ifNotExists().on('recovery_flows').column('expires_at').execute();
  await sql`
    insert into recovery_flows (id_hash, account_id, login, stage, proof, decoy_failures, created_at, expires_at)
    select id_hash, account_id, coalesce(data::jsonb ->> 'login', ''), state, data::jsonb ->> 'proof', decoy_failures, created_at, expires_at
      from flows
     where kind = 'recovery' and expires_at > now()
    on conflict (id_hash) do nothing`.execute(db);
  await sql`delete from flows where kind = 'recovery'`.execute(db);
}
