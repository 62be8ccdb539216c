import { findAccountById } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { setPassword, type NewPassword, type SetPasswordOutcome } from '../recovery/set-password.js';
import type { IdentityEnv } from './env.js';

/**
 * The `new_password` step: a password that meets the policy (the old one may stay if it does).
 * Every other session and token of the account ends, as with any password change.
 */
export function passwordUpgradeService(env: IdentityEnv) {
  const { db, hasher, policy } = env;
  return {
    /** Undefined when the account is gone. */
    async setPassword(accountId: string, input: NewPassword, origin: AuditOrigin): Promise<SetPasswordOutcome | undefined> {
      const account = await findAccountById(db, accountId);
      if (!account) return undefined;
      return setPassword(db, hasher, policy, account, input, { reason: 'upgrade', endSessions: true, origin });
    },
  };
}
