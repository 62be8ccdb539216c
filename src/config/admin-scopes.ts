/**
 * The scopes of the operators' admin API (src/admin): a client gets them only when the
 * clients file lists them under its `admin_scopes`, and only by the client_credentials grant.
 */
export const ADMIN_SCOPES = ['admin:users:read', 'admin:users:write', 'admin:audit:read'] as const;

export type AdminScope = (typeof ADMIN_SCOPES)[number];

export const isAdminScope = (scope: string): scope is AdminScope => (ADMIN_SCOPES as readonly string[]).includes(scope);
