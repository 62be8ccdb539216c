import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The language of the last page that caused a mail to the account: mails sent later without
  // a page (help desk, CLI) use it. Null until then, which means English. `if not exists`:
  // re-running it after its record was removed changes nothing.
  await sql`alter table accounts add column if not exists locale text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table accounts drop column locale`.execute(db);
}
