/**
 * The scopes of the operators' admin API (src/admin): a client gets them only when the
 * clients file lists them under its `admin_scopes`, and only by the client_credentials grant.
 * admin:clients covers both listing the clients and reloading the file: a reload changes who
 * may sign in where, and listing them is of use to the same operators; the help desk's
 * admin:users:* tokens see neither. admin:orgs lists organisations and decides their requests.
 * admin:webhooks lists the webhook outbox and replays dead-lettered events: it sends portals
 * events again, which neither the help desk's nor the organisations' tokens should do.
 */
export const ADMIN_SCOPES = ['admin:users:read', 'admin:users:write', 'admin:audit:read', 'admin:clients', 'admin:orgs', 'admin:webhooks'] as const;

export type AdminScope = (typeof ADMIN_SCOPES)[number];

export const isAdminScope = (scope: string): scope is AdminScope => (ADMIN_SCOPES as readonly string[]).includes(scope);
