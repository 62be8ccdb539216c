import type { TokenAccount, TokenMembership } from '../identity/account-cache.js';
import type { OrganizationClaim } from '../identity/organizations/members.js';
import { rolesOf } from '../identity/organizations/roles.js';

/**
 * Which claims each scope releases (OIDC Core 5.4). Portico-specific claims (amr, acr,
 * legacy subjects) are added by their own modules. `account_type` (member, provider, ... as the
 * policy declares them) has a scope of its own rather than riding on `profile`: a portal that
 * does not ask for it does not get it, and the consent page names it on its own line.
 * `organizations` likewise: the approved organisations the person belongs to, `[{ id, name,
 * roles }]`; a pending, rejected or suspended one is left out.
 */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  account_type: ['account_type'],
  organizations: ['organizations'],
} as const;

export const organizationsClaim = (memberships: readonly TokenMembership[]): OrganizationClaim[] => memberships.map((m) => ({ id: m.id, name: m.name, roles: rolesOf(m.roles) }));

/** The claims of an account; `organizations` as read with it (the token path) or apart (a sign-in). */
export function accountClaims(account: Omit<TokenAccount, 'organizations'>, organizations: OrganizationClaim[]): Record<string, unknown> {
  return {
    sub: account.id,
    name: `${account.given_name} ${account.family_name}`.trim(),
    given_name: account.given_name,
    family_name: account.family_name,
    preferred_username: account.username,
    email: account.email,
    email_verified: account.email_verified_at !== null,
    account_type: account.account_type,
    organizations,
  };
}
