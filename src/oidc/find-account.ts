import { findAccountById } from '../identity/accounts.js';
import type { Db } from '../storage/database.js';
import { assuranceFromToken } from './assurance-claims.js';
import { accountClaims } from './claims.js';

/**
 * oidc-provider's findAccount (docs/README.md "findAccount"): returns undefined for an
 * account that no longer exists or is disabled, which ends its sessions and tokens' use.
 */
export function makeFindAccount(db: Db) {
  return async (_ctx: unknown, sub: string, token?: unknown) => {
    const account = await findAccountById(db, sub);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: account.id,
      // oidc-provider filters these by the granted scopes and claims.
      claims: async () => ({ ...accountClaims(account), ...assuranceFromToken(token) }) as { sub: string },
    };
  };
}
