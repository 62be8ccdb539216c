import type { Policy } from '../config/policy.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { recordSignIn } from './accounts.js';
import type { AuditOrigin } from './audit.js';
import { findAccountTakingAttempt, limitOf, lockIfExhausted } from './lockout.js';
import { checkPassword } from './password-policy.js';
import type { PasswordHasher } from './passwords.js';

export type AuthenticationResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown_account' | 'wrong_password'; account?: Account }
  /** Locked or disabled, before this attempt or by it: the password's rightness is never told. */
  | { ok: false; reason: 'disabled'; account: Account; lockedNow?: boolean };

/**
 * Checks a username-or-email and password. Every path spends one argon2 verification, so an
 * unknown username or a locked account takes as long as a wrong password (design.md). The
 * attempt is counted before the hash is checked (identity/lockout.ts): attempts past the limit
 * are refused unchecked, even when many arrive at once.
 */
export async function authenticate(
  db: Db,
  hasher: PasswordHasher,
  policy: Pick<Policy, 'lockout' | 'password'>,
  login: string,
  password: string,
  origin: AuditOrigin = {},
): Promise<AuthenticationResult> {
  const max = limitOf(policy.lockout, 'password');
  const found = await findAccountTakingAttempt(db, login, max);
  if (!found) {
    await hasher.verifyDecoy(password);
    return { ok: false, reason: 'unknown_account' };
  }
  const { account } = found;
  if (account.status !== 'active' || !found.reserved) {
    await hasher.verifyDecoy(password);
    return { ok: false, reason: 'disabled', account };
  }
  if (!(await hasher.verify(account.password_hash, password))) {
    const lockedNow = await lockIfExhausted(db, account.id, 'password', max, origin);
    return lockedNow ? { ok: false, reason: 'disabled', account, lockedNow } : { ok: false, reason: 'wrong_password', account };
  }
  // Parameters raised in config take effect at the next successful sign-in.
  const rehash = hasher.needsRehash(account.password_hash) ? await hasher.hash(password) : undefined;
  // Clears the failed-password count too: one statement, not two, on every sign-in.
  await recordSignIn(db, account.id, rehash);
  // Rules raised since this password was set: the new_password prompt asks for one that meets them.
  if (!account.must_change_password && checkPassword(policy.password, password, { username: account.username, email: account.email })) {
    await db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', account.id).execute();
  }
  return { ok: true, account };
}
