import type { Policy } from '../config/policy.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import type { AuditOrigin } from './audit.js';
import { changeAccountWithEvent } from './account-events.js';
import { decoyKey, recordDecoyFailure, reserveDecoyAttempt } from './lockout-decoys.js';
import { findAccountTakingAttempt, limitOf, LOCK_REASON, lockIfExhausted, recordFailure, recordSuccess, reenableQuery, reserveAttempt, untilSettled, type Slot } from './lockout.js';
import { checkPassword } from './password-policy.js';
import type { PasswordHasher } from './passwords.js';
import { isTrustedDevice } from './trusted-devices.js';

export type AuthenticationResult =
  | { ok: true; account: Account }
  /** `triesLeft`: wrong passwords left before the lock (none under the smart lock's extra tries). */
  | { ok: false; reason: 'unknown_account' | 'wrong_password'; account?: Account; triesLeft?: number }
  /**
   * Locked or disabled, before this attempt or by it: the password's rightness is never told.
   * An unknown name reaches this too, at the same count (identity/lockout-decoys.ts).
   */
  | { ok: false; reason: 'disabled'; account?: Account; lockedNow?: boolean };

type Taken = { slot: Slot; account?: Account; decoy?: string; remembered?: boolean };

/**
 * One attempt taken for the login: on its account, or on the decoy counter of a name with no
 * ID. Under the smart lock, an account locked by failures still gives a browser it remembers
 * (identity/trusted-devices.ts) attempts, until failures reach twice the limit.
 */
async function takeAttempt(db: Db, lockout: Policy['lockout'], login: string, deviceToken: string | undefined): Promise<Taken> {
  const max = limitOf(lockout, 'password');
  const found = await findAccountTakingAttempt(db, login, max);
  if (!found) {
    const decoy = await decoyKey(db, login);
    return { slot: await reserveDecoyAttempt(db, decoy, max), decoy };
  }
  const { account, slot } = found;
  const lockedByFailures = account.status === 'disabled' && Object.values<string | null>(LOCK_REASON).includes(account.lock_reason);
  if (slot !== 'locked' || lockout.mode !== 'smart' || !lockedByFailures || !(await isTrustedDevice(db, account.id, deviceToken))) return { slot, account };
  return { slot: await reserveAttempt(db, account.id, 'password', max, 2 * max), account, remembered: true };
}

/**
 * Checks a username-or-email and password. Every path spends one argon2 verification, so an
 * unknown username or a locked account takes as long as a wrong password (docs/architecture.md). Only
 * failures count towards the lock (identity/lockout.ts): an attempt held back while others are
 * checked waits for them, then either is checked or gets the locked page if they locked the ID.
 */
export async function authenticate(
  db: Db,
  hasher: PasswordHasher,
  policy: Pick<Policy, 'lockout' | 'password'>,
  login: string,
  password: string,
  origin: AuditOrigin = {},
  deviceToken?: string,
): Promise<AuthenticationResult> {
  const max = limitOf(policy.lockout, 'password');
  const taken = await untilSettled(() => takeAttempt(db, policy.lockout, login, deviceToken));
  const { account } = taken;
  if (taken.slot === 'locked') {
    await hasher.verifyDecoy(password);
    return { ok: false, reason: 'disabled', account };
  }
  if (!account) {
    await hasher.verifyDecoy(password);
    const failures = await recordDecoyFailure(db, taken.decoy!);
    return failures >= max ? { ok: false, reason: 'disabled', lockedNow: true } : { ok: false, reason: 'unknown_account', triesLeft: max - failures };
  }
  if (!(await hasher.verify(account.password_hash, password))) {
    const failures = await recordFailure(db, account.id, 'password');
    const lockedNow = !taken.remembered && (await lockIfExhausted(db, account.id, 'password', max, origin));
    if (lockedNow) return { ok: false, reason: 'disabled', account, lockedNow };
    return { ok: false, reason: 'wrong_password', account, ...(taken.remembered ? {} : { triesLeft: Math.max(max - failures, 0) }) };
  }
  // Parameters raised in config take effect at the next successful sign-in.
  const rehash = hasher.needsRehash(account.password_hash) ? await hasher.hash(password) : undefined;
  // "Last sign-in" is written when the whole chain completes (recordCompletedSignIn), not here.
  await recordSuccess(db, account.id, 'password', rehash ? { password_hash: rehash } : {});
  // The portals hear of the unlock exactly when it happened: one statement, which changes
  // nothing (and writes no event) for the ID that was not locked, nearly every time.
  if (taken.remembered) {
    const unlock = reenableQuery(db, account.id, Object.values(LOCK_REASON));
    await changeAccountWithEvent(db, unlock, 'account.unlocked', { action: 'account.unlocked', actor: `account:${account.id}`, details: { method: 'remembered_device' }, ...origin });
  }
  // Rules raised since this password was set: the new_password prompt asks for one that meets them.
  if (!account.must_change_password && checkPassword(policy.password, password, { username: account.username, email: account.email })) {
    await db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', account.id).execute();
  }
  return { ok: true, account: taken.remembered ? { ...account, status: 'active', lock_reason: null, locked_at: null } : account };
}
