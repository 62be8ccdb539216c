import type { TokenAccount, TokenMembership } from '../identity/account-cache.js';
import { claimOf, type OrganizationClaim } from '../identity/organizations/members.js';

/**
 * Which claims each scope releases (OIDC Core 5.4). Portico-specific claims (amr, acr,
 * legacy subjects) are added by their own modules. `account_type` (member, provider, ... as the
 * policy declares them) has a scope of its own rather than riding on `profile`: a portal that
 * does not ask for it does not get it, and the consent page names it on its own line.
 * `organizations` likewise: the approved organisations the person belongs to, `[{ id, name,
 * roles }]`; a pending, rejected or suspended one is left out, and so is one whose kind the
 * portal's organization_types (clients file) does not list.
 */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  account_type: ['account_type'],
  organizations: ['organizations'],
} as const;

/**
 * The claim for one portal. The account cache keeps every approved membership, whichever portal
 * asked first: the portal's limit to kinds applies here, when the claim is released to it.
 */
export const organizationsClaim = (memberships: readonly TokenMembership[], kinds?: readonly string[]): OrganizationClaim[] =>
  memberships.filter((m) => !kinds || kinds.includes(m.kind)).map(claimOf);

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
