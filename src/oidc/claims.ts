import type { TokenAccount } from '../identity/account-cache.js';

/**
 * Which claims each scope releases (OIDC Core 5.4). Portico-specific claims (amr, acr,
 * legacy subjects) are added by their own modules.
 */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
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
  };
}
