import type { Db } from '../storage/database.js';

/**
 * Codes and verification flows past their expiry only take space: nothing reads them again
 * except the newest code of an account, whose wrong tries carry over only while it is live.
 * The hour of grace keeps a code that just expired around for its "expired" message.
 */
const GRACE_MS = 60 * 60_000;

export async function purgeExpiredVerification(db: Db, now = new Date()): Promise<{ codes: number; flows: number }> {
  const before = new Date(now.getTime() - GRACE_MS);
  const codes = await db.deleteFrom('one_time_codes').where('expires_at', '<', before).executeTakeFirst();
  const flows = await db.deleteFrom('verification_flows').where('expires_at', '<', before).executeTakeFirst();
  return { codes: Number(codes.numDeletedRows), flows: Number(flows.numDeletedRows) };
}
