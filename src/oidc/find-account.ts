import type { KoaContextWithOIDC } from 'oidc-provider';
import { predatesEpoch } from '../identity/sessions.js';
import type { Db } from '../storage/database.js';
import { assuranceFromToken } from './assurance-claims.js';
import { membershipsOf } from '../identity/organizations/members.js';
import { accountClaims, organizationsClaim } from './claims.js';
import { legacyClaims } from './legacy-claims.js';
import { identityCheckClaims } from './identity-check-claims.js';
import { accountForRequest } from './request-account.js';
import { signInTime } from './token-policy.js';
import type { Config } from '../config/index.js';
import type { AccountCache } from '../identity/account-cache.js';

/**
 * oidc-provider's findAccount (docs/README.md "findAccount"): returns undefined for an account
 * that no longer exists or is disabled, and for a session or token from before the account's
 * last password reset or "sign out everywhere", judged by its sign-in time (token-policy.ts):
 * refresh grants then fail with invalid_grant, userinfo with invalid_token, and the login prompt asks for a new sign-in (interaction-policy.ts).
 * Token requests read through the account cache; a sign-in reads the row itself, as its
 * prompts (terms, new password) do.
 */
export function makeFindAccount(config: Config, db: Db, accounts: AccountCache) {
  return async (ctx: KoaContextWithOIDC | undefined, sub: string, token?: { iat?: number; authTime?: number }) => {
    const account = token ? await accounts.get(sub) : await accountForRequest(db, ctx, sub);
    if (!account || account.status !== 'active') return undefined;
    const stamped = token ? signInTime(token) : ctx?.oidc?.result?.login ? undefined : ctx?.oidc?.session?.loginTs;
    if (predatesEpoch(account.sessions_valid_after, stamped)) return undefined;
    return {
      accountId: account.id,
      // oidc-provider filters these by the granted scopes and claims.
      claims: async () => {
        // A token request read the memberships with the cached account; a sign-in reads them now.
        const memberships = 'organizations' in account ? account.organizations : await membershipsOf(db, account.id);
        const clientId = ctx?.oidc?.client?.clientId;
        const organizations = organizationsClaim(memberships, clientId ? config.clients.settings.get(clientId)?.organizationTypes : undefined);
        return { ...accountClaims(account, organizations), ...assuranceFromToken(token), ...(await legacyClaims(config, db, ctx, account.id)), ...(await identityCheckClaims(config, db, ctx, account.id)) } as { sub: string };
      },
    };
  };
}
