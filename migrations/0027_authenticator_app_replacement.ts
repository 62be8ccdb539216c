import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Setting the authenticator app up again (a lost phone, after a recovery code): the new
 * secret waits beside the confirmed one, sealed the same way, until a code from the new app
 * confirms it; only then does it replace the old. Until then the old app's codes still work,
 * so a person who gives up half-way is not locked out. `if [not] exists`: a re-run changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table authenticator_apps add column if not exists pending_secret_sealed text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table authenticator_apps drop column if exists pending_secret_sealed`.execute(db);
}
