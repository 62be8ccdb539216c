import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Each process caches what token requests read of an account (identity/account-cache.ts).
  // Every committed change to those columns, from any process or a hand-written UPDATE,
  // NOTIFYs the account id; PostgreSQL delivers it only once the transaction commits.
  // The columns here must be the cache's TOKEN_ACCOUNT_COLUMNS; change both together.
  await sql`
    create function portico_account_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('portico_account_changed', old.id);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger accounts_changed_update after update on accounts for each row
    when (row(old.id, old.status, old.sessions_valid_after, old.username, old.email, old.email_verified_at, old.given_name, old.family_name)
          is distinct from row(new.id, new.status, new.sessions_valid_after, new.username, new.email, new.email_verified_at, new.given_name, new.family_name))
    execute function portico_account_changed()`.execute(db);
  await sql`create trigger accounts_changed_delete after delete on accounts for each row execute function portico_account_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger accounts_changed_delete on accounts`.execute(db);
  await sql`drop trigger accounts_changed_update on accounts`.execute(db);
  await sql`drop function portico_account_changed()`.execute(db);
}
