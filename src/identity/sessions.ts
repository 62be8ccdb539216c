import type { Db } from '../storage/database.js';

/**
 * Ends every session and token of an account at once: sessions and tokens whose sign-in came
 * before this instant stop counting (oidc/find-account.ts and oidc/token-policy.ts check the
 * session's loginTs and each token's auth_time, which refresh-token rotation keeps, so a thief
 * refreshing every second cannot stay ahead of it). Whole seconds, because that is what those
 * timestamps carry (OIDC Core §2 auth_time); a later sign-in starts afresh.
 */
export async function endAllSessions(db: Db, accountId: string, now = new Date()): Promise<void> {
  const epoch = new Date(Math.floor(now.getTime() / 1000) * 1000);
  await db.updateTable('accounts').set({ sessions_valid_after: epoch, updated_at: now }).where('id', '=', accountId).execute();
}

/** Whether something stamped at `seconds` (iat, loginTs) predates the account's last "end everything". */
export function predatesEpoch(validAfter: Date | null, seconds: unknown): boolean {
  return validAfter !== null && typeof seconds === 'number' && seconds * 1000 < validAfter.getTime();
}
