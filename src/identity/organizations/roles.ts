/*
 * What a member may do in an organisation. `admin` manages its people (approves join requests,
 * invites, changes roles, removes members); `member` acts for it. Kept in memberships.roles,
 * space-separated, so that a later role is a new word and not a new column.
 */
export const ORG_ROLES = ['admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const isOrgRole = (value: unknown): value is OrgRole => ORG_ROLES.includes(value as OrgRole);

export const rolesOf = (stored: string): string[] => stored.split(' ').filter(Boolean);

export const isAdminRoles = (stored: string | undefined): boolean => stored !== undefined && rolesOf(stored).includes('admin');
