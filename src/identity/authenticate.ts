import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { findAccountByLogin, recordSignIn } from './accounts.js';
import type { PasswordHasher } from './passwords.js';

export type AuthenticationResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown_account' | 'wrong_password' | 'disabled'; account?: Account };

/**
 * Checks a username-or-email and password. Every path spends one argon2 verification, so an
 * unknown username takes as long as a wrong password (design.md, security baseline).
 */
export async function authenticate(
  db: Db,
  hasher: PasswordHasher,
  login: string,
  password: string,
): Promise<AuthenticationResult> {
  const account = await findAccountByLogin(db, login);
  if (!account) {
    await hasher.verifyDecoy(password);
    return { ok: false, reason: 'unknown_account' };
  }
  const matches = await hasher.verify(account.password_hash, password);
  if (account.status !== 'active') return { ok: false, reason: 'disabled', account };
  if (!matches) return { ok: false, reason: 'wrong_password', account };
  // Parameters raised in config take effect at the next successful sign-in.
  const rehash = hasher.needsRehash(account.password_hash) ? await hasher.hash(password) : undefined;
  await recordSignIn(db, account.id, rehash);
  return { ok: true, account };
}
