import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // oidc_models rows are keyed by the SHA-256 (base64url, no padding) of their id, uid and user
  // code from now on (src/oidc/adapters/sql.ts): rewrite the rows written before, so sessions
  // and tokens issued before the upgrade stay valid. Their payloads still hold the values in
  // clear: a migration cannot know the keys-encryption key, so start-up seals them.
  const hash = (column: string) => sql.raw(`rtrim(translate(encode(sha256(convert_to(${column}, 'UTF8')), 'base64'), '+/', '-_'), '=')`);
  await sql`update oidc_models set id = ${hash('id')}, uid = case when uid is null then null else ${hash('uid')} end, user_code = case when user_code is null then null else ${hash('user_code')} end`.execute(db);
}

export async function down(): Promise<void> {
  // A hash cannot be undone: the ids it replaced are gone.
  throw new Error('0015_hash_model_ids cannot be reverted');
}
