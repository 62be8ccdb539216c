import type { Db } from '../../storage/database.js';
import type { VerificationFlow } from '../../storage/schema.js';
import { codeHmacKey, keyedHash, randomToken } from '../keyed-hash.js';

export type { VerificationFlow };

/*
 * A pending email verification, kratos-style: an object with its own expiry and state, in the
 * database so any process serves the next request. The browser holds the random id (in a
 * cookie); the table holds only its keyed hash, so a copy of the table opens no flow.
 */

const LABEL = 'verification-flow';

export interface NewFlow {
  accountId: string | null;
  destination: string;
  interactionUid?: string;
  ttlSeconds: number;
  now: Date;
}

export async function createFlow(db: Db, flow: NewFlow): Promise<string> {
  const id = randomToken();
  await db
    .insertInto('verification_flows')
    .values({
      id_hash: keyedHash(await codeHmacKey(db), LABEL, id),
      account_id: flow.accountId,
      destination: flow.destination,
      interaction_uid: flow.interactionUid ?? null,
      last_sent_at: flow.now,
      expires_at: new Date(flow.now.getTime() + flow.ttlSeconds * 1000),
      created_at: flow.now,
    })
    .execute();
  return id;
}

/** The live flow for a browser's flow id; an expired or unknown one is undefined. */
export async function findFlow(db: Db, id: string, now = new Date()): Promise<VerificationFlow | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  return db
    .selectFrom('verification_flows')
    .selectAll()
    .where('id_hash', '=', keyedHash(await codeHmacKey(db), LABEL, id))
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function updateFlow(
  db: Db,
  idHash: string,
  changes: Partial<Pick<VerificationFlow, 'account_id' | 'destination' | 'last_sent_at' | 'expires_at'>>,
): Promise<void> {
  await db.updateTable('verification_flows').set(changes).where('id_hash', '=', idHash).execute();
}

/** Counts a wrong code on a flow with no account behind it, capped like a real code's tries. */
export async function countDecoyFailure(db: Db, idHash: string, maxAttempts: number): Promise<number | undefined> {
  const row = await db
    .updateTable('verification_flows')
    .set((eb) => ({ decoy_failures: eb('decoy_failures', '+', 1) }))
    .where('id_hash', '=', idHash)
    .where('decoy_failures', '<', maxAttempts)
    .returning('decoy_failures')
    .executeTakeFirst();
  return row?.decoy_failures;
}
