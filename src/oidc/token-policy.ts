import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import type { AccountCache } from '../identity/account-cache.js';
import { predatesEpoch } from '../identity/sessions.js';

type Token = { kind?: string; clientId?: string; accountId?: string; iat?: number; authTime?: number; extra?: { auth_time?: unknown } };

/**
 * When the sign-in behind a token happened: refresh tokens and codes carry it (authTime, kept
 * across rotation), access tokens carry it as `auth_time` (assurance-claims.ts). A token's own
 * iat would not do: a thief who refreshes every second always holds a token newer than a
 * "sign out everywhere" that is kept in whole seconds. Older access tokens fall back to iat.
 */
export function signInTime(token: Token): number | undefined {
  if (typeof token.authTime === 'number') return token.authTime;
  if (typeof token.extra?.auth_time === 'number') return token.extra.auth_time;
  return token.iat;
}

/** Whether the account behind a token still stands: active, and not signed out everywhere since. */
export async function tokenAccountStands(accounts: AccountCache, token: Token): Promise<boolean> {
  if (!token.accountId) return true;
  const account = await accounts.get(token.accountId);
  return !!account && account.status === 'active' && !predatesEpoch(account.sessions_valid_after, signInTime(token));
}

/**
 * Introspection (RFC 7662): only the token's own client may ask (§4), and a token answers
 * `active: true` only while userinfo and the refresh grant would accept it too: oidc-provider's
 * introspection does not consult findAccount, so a disabled account, a password reset or a
 * "sign out everywhere" is checked here.
 */
export function introspectionPolicy(accounts: AccountCache) {
  return async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: Token) =>
    token.clientId === client.clientId && (await tokenAccountStands(accounts, token));
}

/** Revocation (RFC 7009 §2.1): only the token's own client may revoke it. */
export function ownTokenOnly(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: Token) {
  return Promise.resolve(token.clientId === client.clientId);
}

/** A first-party portal allowed the refresh_token grant: the operator's configuration is its consent. */
function firstPartyOffline(config: Config, client: { clientId: string; grantTypeAllowed(type: string): boolean }): boolean {
  return !!config.clients.settings.get(client.clientId)?.firstParty && client.grantTypeAllowed('refresh_token');
}

/**
 * OIDC Core §11: offline_access needs the user's consent, so oidc-provider drops the scope
 * unless prompt=consent. A first-party portal's consent is the operator's: it gets a refresh
 * token without a consent page, not bound to the SSO session (docs/README.md "issueRefreshToken",
 * "expiresWithSession"). Third-party portals keep the §11 rule (the defaults below).
 */
export function refreshTokenRules(config: Config) {
  return {
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: { clientId: string; grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }) =>
      firstPartyOffline(config, client) || (client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access')),
    expiresWithSession: async (ctx: KoaContextWithOIDC, code: { scopes: Set<string> }) =>
      !(ctx.oidc.client && firstPartyOffline(config, ctx.oidc.client)) && !code.scopes.has('offline_access'),
  };
}

/**
 * PKCE for every client, confidential ones too (RFC 9700 §2.1.1, ASVS 5 10.4.6), unless the
 * clients file switches it off for a portal that cannot send it (`pkce_required: false`).
 */
export function pkceRequired(config: Config) {
  return (_ctx: KoaContextWithOIDC, client: { clientId: string }) => config.clients.settings.get(client.clientId)?.pkceRequired !== false;
}
