import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import { codeHmacKey, keyedHash } from './keyed-hash.js';
import { IN_FLIGHT_SECONDS, type Slot } from './lockout.js';

/*
 * Lockout counters for usernames that have no ID (ASVS 4.0 V2.2.1 with V3/"no enumeration"):
 * the same failures, attempts in flight and limit as an account (identity/lockout.ts), so a
 * made-up name reaches the locked page at the same count, with the same words and status, as
 * a real one. Keyed by an HMAC of the normalised name, never the name; a counter is forgotten
 * DECOY_DAYS after its last failure, and expired rows are purged with other expired records.
 */
const LABEL = 'sign-in-decoy';
export const DECOY_DAYS = 30;
const TTL = sql`${sql.lit(`${DECOY_DAYS} days`)}::interval`;
const IN_FLIGHT = sql`${sql.lit(`${IN_FLIGHT_SECONDS} seconds`)}::interval`;
const LIVE_FAILURES = sql`(case when d.expires_at > now() then d.failures else 0 end)`;
const LIVE_IN_FLIGHT = sql`(case when d.expires_at > now() and d.in_flight_until > now() then d.in_flight else 0 end)`;

export async function decoyKey(db: Db, login: string): Promise<string> {
  return keyedHash(await codeHmacKey(db), LABEL, login.trim().toLowerCase());
}

/** One attempt at an unknown name, taken as reserveAttempt takes one at an account. */
export async function reserveDecoyAttempt(db: Db, key: string, max: number): Promise<Slot> {
  const taken = await sql`
    insert into sign_in_decoys as d (key_hash, failures, in_flight, in_flight_until, expires_at)
    values (${key}, 0, 1, now() + ${IN_FLIGHT}, now() + ${TTL})
    on conflict (key_hash) do update set
      failures = ${LIVE_FAILURES},
      in_flight = ${LIVE_IN_FLIGHT} + 1,
      in_flight_until = now() + ${IN_FLIGHT},
      expires_at = greatest(d.expires_at, now() + ${IN_FLIGHT})
    where ${LIVE_FAILURES} + ${LIVE_IN_FLIGHT} < ${max}
    returning key_hash`.execute(db);
  if (taken.rows.length > 0) return 'reserved';
  const row = await db.selectFrom('sign_in_decoys').select(['failures', 'expires_at']).where('key_hash', '=', key).executeTakeFirst();
  return row && row.expires_at > new Date() && row.failures >= max ? 'locked' : 'busy';
}

/** The decoy's "wrong password": releases the slot, counts the failure; the failures now. */
export async function recordDecoyFailure(db: Db, key: string): Promise<number> {
  const row = await sql<{ failures: number }>`
    update sign_in_decoys as d set
      failures = d.failures + 1,
      in_flight = greatest(${LIVE_IN_FLIGHT} - 1, 0),
      expires_at = now() + ${TTL}
    where key_hash = ${key}
    returning failures`.execute(db);
  return row.rows[0]?.failures ?? 0;
}
