import type { TokenAccount } from '../identity/account-cache.js';

/**
 * Which claims each scope releases (OIDC Core 5.4). Portico-specific claims (amr, acr,
 * legacy subjects) are added by their own modules. `account_type` (member, provider, ... as the
 * policy declares them) has a scope of its own rather than riding on `profile`: a portal that
 * does not ask for it does not get it, and the consent page names it on its own line.
 */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  account_type: ['account_type'],
} as const;

export function accountClaims(account: TokenAccount): Record<string, unknown> {
  return {
    sub: account.id,
    name: `${account.given_name} ${account.family_name}`.trim(),
    given_name: account.given_name,
    family_name: account.family_name,
    preferred_username: account.username,
    email: account.email,
    email_verified: account.email_verified_at !== null,
    account_type: account.account_type,
  };
}
