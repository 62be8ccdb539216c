import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * The account_type claim (scope account_type) makes the type one of the columns token requests
 * read and each process caches (identity/account-cache.ts TOKEN_ACCOUNT_COLUMNS): a change of
 * type must NOTIFY like a change of name. The trigger of 0009 is replaced by one that also
 * watches account_type; dropping it if it exists first makes a re-run harmless.
 */
const WATCHED = (side: 'old' | 'new', withType: boolean) =>
  sql.raw(
    ['id', 'status', 'sessions_valid_after', 'username', 'email', 'email_verified_at', 'given_name', 'family_name', ...(withType ? ['account_type'] : [])]
      .map((column) => `${side}.${column}`)
      .join(', '),
  );

async function watch(db: Kysely<unknown>, withType: boolean): Promise<void> {
  await sql`drop trigger if exists accounts_changed_update on accounts`.execute(db);
  await sql`
    create trigger accounts_changed_update after update on accounts for each row
    when (row(${WATCHED('old', withType)}) is distinct from row(${WATCHED('new', withType)}))
    execute function portico_account_changed()`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await watch(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await watch(db, false);
}
