import { findAccountById } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { acceptTerms, type TermsOutcome } from '../terms.js';
import type { IdentityEnv } from './env.js';

/** The `terms` step: the policy's current version, accepted (and signed, if it says so) by the account. */
export function termsService(env: IdentityEnv) {
  const { db, policy } = env;
  return {
    /** Whether the account accepted some version before (an ID an operator created or imported has not). */
    async acceptedBefore(accountId: string): Promise<boolean> {
      return Boolean((await findAccountById(db, accountId))?.terms_version);
    },
    /** Undefined when the account is gone. */
    async accept(accountId: string, input: { accepted: boolean; signature: string }, origin: AuditOrigin): Promise<TermsOutcome | undefined> {
      const account = await findAccountById(db, accountId);
      if (!account) return undefined;
      const terms = policy.registration.terms;
      return acceptTerms(db, account, terms.version, { ...input, requireSignature: terms.require_signature }, origin);
    },
  };
}
