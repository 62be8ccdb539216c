/**
 * Where the organisation pages' sign-in comes back to: a name from a fixed shape, never an
 * address, riding in the account pages' pending sign-in as the console's returns do.
 */
export type OrgReturn = 'org' | `org-${string}`;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isOrgReturn = (value: unknown): value is OrgReturn => value === 'org' || (typeof value === 'string' && value.startsWith('org-') && UUID.test(value.slice(4)));

/** The organisation page a return names. */
export const orgPath = (back: OrgReturn): string => (back === 'org' ? '/org' : `/org/${back.slice(4)}`);

/** The return for an organisation's pages: that organisation's members, else the choice. */
export const orgReturnOf = (organizationId?: string): OrgReturn => (organizationId && UUID.test(organizationId) ? `org-${organizationId}` : 'org');
