import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Passkeys as the whole sign-in: the browser is asked for any passkey of this site (no
 * username typed), so the challenge handed out belongs to no account until the answer names
 * its credential. `account_id` may now be null for those challenges ('sign_in' purpose).
 * Dropping a not-null constraint twice changes nothing, so a re-run is harmless.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webauthn_challenges alter column account_id drop not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from webauthn_challenges where account_id is null`.execute(db);
  await sql`alter table webauthn_challenges alter column account_id set not null`.execute(db);
}
