import type { Db } from '../../storage/database.js';
import { advanceFlow, findFlow, startFlow } from '../flows/flow-record.js';
import { recoveryFlow, type RecoveryData, type RecoveryEvent, type RecoveryFlow, type RecoveryState } from '../flows/recovery.js';

export type { RecoveryFlow, RecoveryState };

/*
 * "Forgot password" as a record of the `flows` table (identity/flows/recovery.ts): in the
 * database so any process serves the next request, keyed by the hash of the browser's random
 * id. A username that matched no ID gets a flow too (no account), so that the pages that
 * follow cannot tell the two apart.
 */

/** A new flow at `prove`: the id for the browser's cookie, and the record. */
export function createRecoveryFlow(db: Db, accountId: string | null, login: string): Promise<{ id: string; flow: RecoveryFlow }> {
  return startFlow<RecoveryState, RecoveryEvent, RecoveryData>(db, recoveryFlow, 'code_sent', { accountId, data: { login: login.slice(0, 254) } });
}

/** The browser's live flow, if it is at one of `states`. */
export async function findRecoveryFlow(db: Db, id: string | undefined, states: readonly RecoveryState[]): Promise<RecoveryFlow | undefined> {
  const flow = await findFlow<RecoveryState, RecoveryEvent, RecoveryData>(db, recoveryFlow, id);
  return flow && states.includes(flow.state) ? flow : undefined;
}

/** What each proving event proves (answers after the code leave the code as the proof). */
const PROOF: Partial<Record<RecoveryEvent, RecoveryData['proof']>> = { code_ok: 'code', code_ok_answers_due: 'code', answers_alone_ok: 'answers' };

/**
 * Moves the flow on from the state it was read at: false when another request moved it first
 * (a replayed or doubled form does nothing).
 */
export async function advanceRecoveryFlow(db: Db, flow: RecoveryFlow, event: RecoveryEvent): Promise<boolean> {
  const proof = PROOF[event];
  return (await advanceFlow(db, recoveryFlow, flow, event, proof ? { data: { proof } } : {})) !== undefined;
}
