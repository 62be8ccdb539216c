import type { Db } from '../../storage/database.js';
import { advanceFlow, findFlow, startFlow } from '../flows/flow-record.js';
import { verificationFlow, type VerificationData, type VerificationEvent, type VerificationFlow, type VerificationStart, type VerificationState } from '../flows/verification.js';

export type { VerificationFlow };

/*
 * The verification flow's record (identity/flows/verification.ts) in the one `flows` table:
 * flow-record.ts keys it by the keyed hash of the browser's id and keeps its expiry.
 */

export interface NewVerification {
  accountId: string | null;
  destination: string;
  interactionUid?: string;
  ttlSeconds: number;
  now: Date;
}

/** A new flow for this browser; returns the id its cookie holds. */
export async function createFlow(db: Db, event: VerificationStart, flow: NewVerification): Promise<string> {
  const data: VerificationData = { destination: flow.destination, lastSentAt: flow.now.toISOString(), ...(flow.interactionUid ? { interactionUid: flow.interactionUid } : {}) };
  const started = await startFlow<VerificationState, VerificationEvent, VerificationData>(db, verificationFlow, event, { accountId: flow.accountId, data, ttlSeconds: flow.ttlSeconds, now: flow.now });
  return started.id;
}

/** The live flow for a browser's flow id; an expired or unknown one is undefined. */
export function findVerificationFlow(db: Db, id: string | undefined, now = new Date()): Promise<VerificationFlow | undefined> {
  return findFlow<VerificationState, VerificationEvent, VerificationData>(db, verificationFlow, id, now);
}

export interface Sent {
  accountId?: string | null;
  destination: string;
  now: Date;
  expiresAt: Date;
}

/** A new code went out (or would have, with no account): where, when, and the later expiry. */
export function codeSent(db: Db, flow: VerificationFlow, event: 'resent' | 'email_changed', sent: Sent): Promise<VerificationFlow | undefined> {
  return advanceFlow(db, verificationFlow, flow, event, {
    ...(sent.accountId !== undefined ? { accountId: sent.accountId } : {}),
    data: { destination: sent.destination, lastSentAt: sent.now.toISOString() },
    expiresAt: sent.expiresAt,
  });
}

/** This browser learnt the address is proved: the flow ends (its record goes). Undefined when another request ended it first. */
export function verified(db: Db, flow: VerificationFlow): Promise<VerificationFlow | undefined> {
  return advanceFlow(db, verificationFlow, flow, 'verified');
}
