import type { Db } from '../storage/database.js';

/*
 * Idempotency keys of the admin API (draft-ietf-httpapi-idempotency-key-header): a write
 * retried with the key of an earlier one answers what the earlier one answered, without
 * acting again. Keys are per client; a key lives a day. A first request that never finished
 * (a crash between acting and storing its answer) frees its key after a few minutes.
 */

const KEEP_MS = 24 * 60 * 60_000;
const ABANDONED_MS = 5 * 60_000;

export type IdempotencyClaim =
  /** The key is new: run the request, then complete (or release) the key. */
  | { state: 'new' }
  /** The same request finished before: its answer. */
  | { state: 'replay'; status: number; body: unknown }
  /** The key was used with another request (another path or body). */
  | { state: 'mismatch' }
  /** The same request is still running. */
  | { state: 'in_flight' };

export async function claimIdempotencyKey(db: Db, clientId: string, key: string, fingerprint: string, now = new Date()): Promise<IdempotencyClaim> {
  await db
    .deleteFrom('admin_idempotency_keys')
    .where('client_id', '=', clientId)
    .where('key', '=', key)
    .where((eb) => eb.or([eb('created_at', '<', new Date(now.getTime() - KEEP_MS)), eb.and([eb('status', 'is', null), eb('created_at', '<', new Date(now.getTime() - ABANDONED_MS))])]))
    .execute();
  const inserted = await db
    .insertInto('admin_idempotency_keys')
    .values({ client_id: clientId, key, fingerprint })
    .onConflict((oc) => oc.columns(['client_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return { state: 'new' };
  const row = await db.selectFrom('admin_idempotency_keys').selectAll().where('client_id', '=', clientId).where('key', '=', key).executeTakeFirst();
  if (row && row.fingerprint !== fingerprint) return { state: 'mismatch' };
  if (!row || row.status === null || row.response === null) return { state: 'in_flight' };
  return { state: 'replay', status: row.status, body: JSON.parse(row.response) as unknown };
}

export async function completeIdempotencyKey(db: Db, clientId: string, key: string, status: number, body: unknown): Promise<void> {
  await db.updateTable('admin_idempotency_keys').set({ status, response: JSON.stringify(body) }).where('client_id', '=', clientId).where('key', '=', key).execute();
}

/** The request failed: a retry runs it afresh. */
export async function releaseIdempotencyKey(db: Db, clientId: string, key: string): Promise<void> {
  await db.deleteFrom('admin_idempotency_keys').where('client_id', '=', clientId).where('key', '=', key).where('status', 'is', null).execute();
}

/** Keys older than a day: nothing replays them any more. */
export async function purgeIdempotencyKeys(db: Db, now = new Date()): Promise<void> {
  await db.deleteFrom('admin_idempotency_keys').where('created_at', '<', new Date(now.getTime() - KEEP_MS)).execute();
}
