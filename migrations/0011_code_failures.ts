import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Failed one-time codes per account, across codes and purposes, until a success (NIST SP
  // 800-63B §3.2.2: at most 100 consecutive failures, then back-off). `subject` is an account
  // id, or `decoy:<keyed hash of a username>` for a "Forgot password" flow with no ID behind it,
  // so that an unknown username counts and answers exactly like a real one. `door` separates
  // what only a username reaches (recovery) from what only the right password reaches.
  await db.schema
    .createTable('code_failures')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('blocked_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('code_failures_pk', ['subject', 'door'])
    .execute();

  // A sign-in access code belongs to the sign-in (oidc-provider interaction uid) that asked for it.
  await db.schema.alterTable('one_time_codes').addColumn('bound_to', 'text').execute();

  // The live pretend reset code of a username with no ID (same fields as one_time_codes), per
  // username rather than per flow: a new flow must find it exactly as a real ID's would be.
  await db.schema
    .createTable('decoy_codes')
    .addColumn('subject', 'text', (c) => c.primaryKey())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Set by a password reset proved by security answers alone: until a sign-in completes with
  // another proof, answers are not accepted as its second step.
  await db.schema.alterTable('accounts').addColumn('answers_barred_at', 'timestamptz').execute();
  // Which proof a recovery flow was given ('code', 'answers'), and that a code came first when
  // answers are asked as well.
  await db.schema.alterTable('recovery_flows').addColumn('proof', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('recovery_flows').dropColumn('proof').execute();
  await db.schema.alterTable('accounts').dropColumn('answers_barred_at').execute();
  await db.schema.dropTable('decoy_codes').execute();
  await db.schema.alterTable('one_time_codes').dropColumn('bound_to').execute();
  await db.schema.dropTable('code_failures').execute();
}
