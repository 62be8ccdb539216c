import type { Db } from '../storage/database.js';
import { purgeUnverified } from './registration/pending-ids.js';
import { purgeExpiredFlows } from './flows/flow-record.js';
import { purgeIdempotencyKeys } from './idempotency.js';

/**
 * Codes, flows of every kind and remembered devices past their expiry only take
 * space: nothing reads them again except the newest code of an account, whose wrong tries carry
 * over only while it is live.
 * The hour of grace keeps a code that just expired around for its "expired" message.
 * IDs whose address was never verified lapse after the policy's pending_ids.unverified_ttl_days.
 */
const GRACE_MS = 60 * 60_000;

export async function purgeExpiredVerification(db: Db, now = new Date(), unverifiedTtlDays = 7): Promise<{ codes: number; flows: number; devices: number; unverified: number }> {
  const before = new Date(now.getTime() - GRACE_MS);
  const codes = await db.deleteFrom('one_time_codes').where('expires_at', '<', before).executeTakeFirst();
  const flows = await purgeExpiredFlows(db, before);
  await db.deleteFrom('sign_in_decoys').where('expires_at', '<', before).execute();
  // A legacy guessing window (15 minutes) and its pause (15 more) are over within the hour.
  await db.deleteFrom('legacy_guess_limits').where('window_started_at', '<', before).where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<', before)])).execute();
  // A username's pretend reset code goes when a real one would (identity/recovery/decoy-codes.ts).
  await db.deleteFrom('decoy_codes').where('expires_at', '<', before).execute();
  // Texts and calls are counted for an hour (toll-fraud limits); after a day they only hold numbers.
  // A number never confirmed waits a day at most.
  const dayAgo = new Date(now.getTime() - 24 * GRACE_MS);
  await db.deleteFrom('phone_outbox').where('created_at', '<', dayAgo).execute();
  await db.deleteFrom('phone_pending').where('created_at', '<', dayAgo).execute();
  // Forgotten devices go too: a revoked row can never match again.
  const devices = await db.deleteFrom('trusted_devices').where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)])).executeTakeFirst();
  await purgeIdempotencyKeys(db, now);
  // A delivered webhook event is kept a week for questions from portals; a dead one stays for the operator.
  await db.deleteFrom('webhook_outbox').where('status', '=', 'delivered').where('finished_at', '<', new Date(now.getTime() - 7 * 24 * GRACE_MS)).execute();
  const unverified = await purgeUnverified(db, unverifiedTtlDays, now);
  return { codes: Number(codes.numDeletedRows), flows, devices: Number(devices.numDeletedRows), unverified };
}
