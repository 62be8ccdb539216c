import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Wrong authenticator-app codes (and recovery codes) count towards the ID's lock like wrong
  // passwords and answers (identity/lockout.ts): failures, and attempts in flight apart from
  // them. `if not exists`: re-running it after its record was removed changes nothing.
  await sql`
    alter table accounts
      add column if not exists failed_code_count integer not null default 0,
      add column if not exists code_in_flight integer not null default 0,
      add column if not exists code_in_flight_until timestamptz
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table accounts
      drop column if exists failed_code_count,
      drop column if exists code_in_flight,
      drop column if exists code_in_flight_until
  `.execute(db);
}
