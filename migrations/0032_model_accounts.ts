import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Which account a stored session, grant or token belongs to, so that ending or deleting an ID
 * finds them without opening every sealed payload: a SHA-256 of the account id, as the row's
 * other keys are hashed (storage/model-keys.ts). Rows saved before this have none until saved again.
 * `if not exists`: re-running it after its record was removed changes nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table oidc_models add column if not exists account_key text`.execute(db);
  await sql`create index if not exists oidc_models_account_key on oidc_models (model, account_key) where account_key is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists oidc_models_account_key`.execute(db);
  await sql`alter table oidc_models drop column if exists account_key`.execute(db);
}
