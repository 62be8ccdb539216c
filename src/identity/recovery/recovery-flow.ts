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

/** Moves the flow on, only from the stage it is expected to be at (a replayed form does nothing); `proof` records what was proved. */
export async function advanceRecoveryFlow(db: Db, flow: RecoveryFlow, from: RecoveryFlow['stage'], to: RecoveryFlow['stage'], proof?: 'code' | 'answers'): Promise<boolean> {
  const moved = await db.updateTable('recovery_flows').set({ stage: to, ...(proof ? { proof } : {}) }).where('id_hash', '=', flow.id_hash).where('stage', '=', from).returning('id_hash').executeTakeFirst();
  return moved !== undefined;
}
