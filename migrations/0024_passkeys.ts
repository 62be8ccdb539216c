import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Passkeys (WebAuthn) as a second step. `passkeys` holds each account's credentials: the
 * credential id (base64url, unique across accounts), its COSE public key, the signature counter
 * last seen (a counter going backwards betrays a cloned authenticator), the transports the
 * browser reported, and the name the person gave it. `webauthn_challenges` holds the challenges
 * handed out and not yet answered, as SHA-256 hashes with an expiry, bound to the account, the
 * purpose and the sign-in they belong to: any process may serve the answer, and an answered
 * challenge is deleted, so it cannot be answered twice. `if [not] exists`: re-running it after
 * its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('passkeys')
    .ifNotExists()
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('public_key', 'bytea', (c) => c.notNull())
    .addColumn('sign_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('passkeys_account_idx').ifNotExists().on('passkeys').column('account_id').execute();
  await db.schema
    .createTable('webauthn_challenges')
    .ifNotExists()
    .addColumn('challenge_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webauthn_challenges_account_idx').ifNotExists().on('webauthn_challenges').columns(['account_id', 'purpose']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webauthn_challenges').ifExists().execute();
  await db.schema.dropTable('passkeys').ifExists().execute();
}
