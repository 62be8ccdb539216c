import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('terms_accepted_at', 'timestamptz').execute();

  await db.schema
    .createTable('one_time_codes')
    // Monotonic: the newest row for an account and purpose is the only live code.
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    // Keyed HMAC-SHA256 (the key is in instance_settings): a stolen table does not yield codes.
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('link_token_hash', 'text')
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('one_time_codes_account_purpose').on('one_time_codes').columns(['account_id', 'purpose', 'id']).execute();
  await db.schema.createIndex('one_time_codes_expires_at').on('one_time_codes').column('expires_at').execute();
  await sql`create unique index one_time_codes_link on one_time_codes (link_token_hash) where link_token_hash is not null`.execute(db);

  await db.schema
    .createTable('security_answers')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('question_id', 'text', (c) => c.notNull())
    // argon2id of the normalised answer (NFKC, lower case, single spaces), like a password.
    .addColumn('answer_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('security_answers_pk', ['account_id', 'question_id'])
    .execute();

  // A browser's pending email verification (kratos-style flow): the browser holds a random id
  // in a cookie, the table only its keyed hash. account_id is null for the flow shown when the
  // email already belonged to an ID, so that page cannot be told apart from a real one.
  await db.schema
    .createTable('verification_flows')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('interaction_uid', 'text')
    .addColumn('decoy_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('verification_flows_expires_at').on('verification_flows').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['verification_flows', 'security_answers', 'one_time_codes']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('accounts').dropColumn('terms_accepted_at').execute();
}
