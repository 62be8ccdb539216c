import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Pending email verifications move into the one `flows` table (kind 'verification', state
 * 'code_sent'), what their table held going into `data`. The id hash is kept as it is: the
 * old table's label ('verification-flow') is the one flows use for this kind, so the cookies
 * browsers hold open their flows after the upgrade. Expired rows are left behind. Guarded by
 * to_regclass and `if exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass('verification_flows')::text as found`.execute(db);
  if (rows[0]?.found) {
    await sql`
      insert into flows (id_hash, kind, state, account_id, data, decoy_failures, created_at, updated_at, expires_at)
      select id_hash, 'verification', 'code_sent', account_id,
        jsonb_strip_nulls(jsonb_build_object(
          'destination', destination,
          'interactionUid', interaction_uid,
          'lastSentAt', to_char(last_sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        ))::text,
        decoy_failures, created_at, last_sent_at, expires_at
      from verification_flows
      where expires_at > now()
      on conflict (id_hash) do nothing
    `.execute(db);
  }
  await db.schema.dropTable('verification_flows').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verification_flows')
    .ifNotExists()
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('interaction_uid', 'text')
    .addColumn('decoy_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('verification_flows_expires_at').ifNotExists().on('verification_flows').column('expires_at').execute();
  await sql`
    insert into verification_flows (id_hash, account_id, destination, interaction_uid, decoy_failures, last_sent_at, expires_at, created_at)
    select id_hash, account_id, data::jsonb->>'destination', data::jsonb->>'interactionUid', decoy_failures,
      coalesce((data::jsonb->>'lastSentAt')::timestamptz, updated_at), expires_at, created_at
    from flows
    where kind = 'verification'
    on conflict (id_hash) do nothing
  `.execute(db);
  await sql`delete from flows where kind = 'verification'`.execute(db);
}
