import type { Db } from '../../storage/database.js';
import type { RecoveryFlow } from '../../storage/schema.js';
import { codeHmacKey, keyedHash, randomToken } from '../keyed-hash.js';

export type { RecoveryFlow };

/*
 * "Forgot password" as a flow object (kratos-style): its own expiry and stage, in the database
 * so any process serves the next request. The browser holds the random id; the table only its
 * keyed hash. A username that matched no ID gets a flow too (account_id null), so that the
 * pages that follow cannot tell the two apart.
 */
const LABEL = 'recovery-flow';
const TTL_MS = 30 * 60_000;

/** A new flow: the id for the browser's cookie, and the row as stored. */
export async function createRecoveryFlow(db: Db, accountId: string | null, login: string): Promise<{ id: string; flow: RecoveryFlow }> {
  const id = randomToken();
  const flow = await db
    .insertInto('recovery_flows')
    .values({ id_hash: keyedHash(await codeHmacKey(db), LABEL, id), account_id: accountId, login: login.slice(0, 254), stage: 'prove', expires_at: new Date(Date.now() + TTL_MS) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { id, flow };
}

export async function findRecoveryFlow(db: Db, id: string | undefined): Promise<RecoveryFlow | undefined> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  return db
    .selectFrom('recovery_flows')
    .selectAll()
    .where('id_hash', '=', keyedHash(await codeHmacKey(db), LABEL, id))
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
}

/** Moves the flow on, only from the stage it is expected to be at (a replayed form does nothing). */
export async function advanceRecoveryFlow(db: Db, flow: RecoveryFlow, from: RecoveryFlow['stage'], to: RecoveryFlow['stage']): Promise<boolean> {
  const moved = await db.updateTable('recovery_flows').set({ stage: to }).where('id_hash', '=', flow.id_hash).where('stage', '=', from).returning('id_hash').executeTakeFirst();
  return moved !== undefined;
}

/**
 * A flow with no ID behind it "sends" a code under the same throttle and the same limit of
 * wrong tries as a real one (one_time_codes.checkIssuable), atomically; false when refused.
 */
export async function sendDecoyCode(db: Db, flow: RecoveryFlow, throttleSeconds: number, maxAttempts: number, now = new Date()): Promise<boolean> {
  const row = await db
    .updateTable('recovery_flows')
    .set({ decoy_code_sent_at: now })
    .where('id_hash', '=', flow.id_hash)
    .where('decoy_failures', '<', maxAttempts)
    .where((eb) => eb.or([eb('decoy_code_sent_at', 'is', null), eb('decoy_code_sent_at', '<=', new Date(now.getTime() - throttleSeconds * 1000))]))
    .returning('id_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** A flow with no ID behind it counts wrong tries like a real one; undefined once they are used up. */
export async function countDecoyFailure(db: Db, flow: RecoveryFlow, max: number): Promise<number | undefined> {
  const row = await db
    .updateTable('recovery_flows')
    .set((eb) => ({ decoy_failures: eb('decoy_failures', '+', 1) }))
    .where('id_hash', '=', flow.id_hash)
    .where('decoy_failures', '<', max)
    .returning('decoy_failures')
    .executeTakeFirst();
  return row?.decoy_failures;
}
