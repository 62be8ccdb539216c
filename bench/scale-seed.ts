import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { RedisAdapter } from '../src/oidc/adapters/redis.js';
import type { AdapterPayload } from '../src/oidc/adapters/types.js';
import type { Db } from '../src/storage/database.js';

/** Usernames and addresses of the bulk accounts: `scale<n>`, `scale<n>@example.com`. */
export const scaleUsername = (n: number) => `scale${n}`;
export const scaleEmail = (n: number) => `${scaleUsername(n)}@example.com`;

const ACCOUNT_BATCH = 20_000;
const REDIS_BATCH = 2_000;

/**
 * Accounts `from` to `to - 1` as registration leaves them (verified address, current terms),
 * written by PostgreSQL itself (generate_series) in batches: a million rows in well under a
 * minute, where one INSERT per account would take most of an hour. One argon2id hash serves
 * them all; none of them signs in (the measured sign-ins use the ordinary seeded accounts), so
 * they are there for what they cost the indexes and the lookups. `db` is a pool without
 * statement timeouts (the migrations' pool): a batch on a busy machine can outlast the
 * request pool's five seconds.
 */
export async function bulkAccounts(db: Db, hash: string, termsVersion: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += ACCOUNT_BATCH) {
    const end = Math.min(to, start + ACCOUNT_BATCH) - 1;
    await sql`
      insert into accounts (id, username, email, email_verified_at, given_name, family_name, password_hash, terms_version, terms_accepted_at)
      select gen_random_uuid(), 'scale' || n, 'scale' || n || '@example.com', now(), 'Scale', 'Member', ${hash}, ${termsVersion}, now()
      from generate_series(${start}::int, ${end}::int) as n`.execute(db);
  }
  // The planner's statistics follow the table, as autovacuum would see to in production.
  await sql`analyze accounts`.execute(db);
}

/**
 * Copies of one real payload under fresh ids, through Portico's own adapter (so the keys, the
 * grant index and the TTLs are exactly what a sign-in leaves). `vary` gives each copy its own
 * fields: its id, and for tokens a grant of its own, as every sign-in has one.
 */
export async function copies(redis: Redis, model: string, original: AdapterPayload, ttl: number, ids: string[], vary: (id: string) => AdapterPayload = (id) => ({ jti: id })): Promise<void> {
  const adapter = new RedisAdapter(model, redis);
  for (let i = 0; i < ids.length; i += REDIS_BATCH) {
    await Promise.all(ids.slice(i, i + REDIS_BATCH).map((id) => adapter.upsert(id, { ...original, ...vary(id) }, ttl)));
  }
}

/** Refresh tokens with a grant each, copied from one a real sign-in left; returns the token ids. */
export async function copyRefreshTokens(redis: Redis, token: { payload: AdapterPayload; ttl: number }, grant: { payload: AdapterPayload; ttl: number }, prefix: string, from: number, to: number): Promise<string[]> {
  const ids = Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
  const grantOf = (id: string) => `grant-${id}`;
  await copies(redis, 'Grant', grant.payload, grant.ttl, ids.map(grantOf), (id) => ({ jti: id }));
  await copies(redis, 'RefreshToken', token.payload, token.ttl, ids, (id) => ({ jti: id, grantId: grantOf(id) }));
  return ids;
}

/** Redis's own count of the bytes its data takes (INFO memory, used_memory). */
export async function redisUsedBytes(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

export interface RelationSize {
  table: string;
  rows: number;
  tableBytes: number;
  indexBytes: number;
}

/** PostgreSQL's tables with their data and index sizes, largest first. */
export async function tableSizes(db: Db, minBytes = 1 << 20): Promise<RelationSize[]> {
  const { rows } = await sql<{ table: string; rows: string; table_bytes: string; index_bytes: string }>`
    select c.relname as table, c.reltuples::bigint as rows, pg_table_size(c.oid) as table_bytes, pg_indexes_size(c.oid) as index_bytes
    from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
    where c.relkind = 'r' and ns.nspname = current_schema() and pg_total_relation_size(c.oid) >= ${minBytes}
    order by pg_total_relation_size(c.oid) desc`.execute(db);
  return rows.map((r) => ({ table: r.table, rows: Number(r.rows), tableBytes: Number(r.table_bytes), indexBytes: Number(r.index_bytes) }));
}
