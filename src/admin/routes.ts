import { auditRoutes } from './audit.js';
import { clientRoutes } from './clients.js';
import type { AnyRoute } from './route.js';
import { orgRoutes } from './orgs.js';
import { userEditRoutes } from './user-edits.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';

/** The one table of the admin API: the router (router.ts) and the OpenAPI document (openapi.ts) are both built from it. */
export const ADMIN_ROUTES: readonly AnyRoute[] = [...userRoutes, ...userEditRoutes, ...auditRoutes, ...clientRoutes, ...orgRoutes, ...webhookRoutes];

/** Where the API lives. */
export const ADMIN_API_BASE = '/admin/api/v1';
