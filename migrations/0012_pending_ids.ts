import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Only a verified address belongs to one ID. An address nobody has proved may be held by
  // several pending IDs; the first to verify it keeps it and the others are deleted
  // (identity/registration/pending-ids.ts), so typing someone's address first claims nothing.
  await sql`drop index accounts_email_lower`.execute(db);
  await sql`create unique index accounts_email_verified_lower on accounts (lower(email)) where email_verified_at is not null`.execute(db);
  await sql`create index accounts_email_lower_any on accounts (lower(email))`.execute(db);
  // The per-address cap on mails counts recent rows by address.
  await sql`create index mail_outbox_to_lower on mail_outbox (lower(to_address), created_at)`.execute(db);
  // Answers enrolled before an address was verified may be a hijacker's (OWASP ASVS 4.0 2.5.3:
  // no knowledge-based recovery that an unproven party set): they are enrolled after verification now.
  await sql`delete from security_answers where account_id in (select id from accounts where email_verified_at is null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index mail_outbox_to_lower`.execute(db);
  await sql`drop index accounts_email_lower_any`.execute(db);
  await sql`drop index accounts_email_verified_lower`.execute(db);
  await sql`create unique index accounts_email_lower on accounts (lower(email))`.execute(db);
}
