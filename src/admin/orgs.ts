import { z } from 'zod';
import { ORGANIZATION_STATUSES, type OrganizationDetail, type OrganizationSummary } from '../identity/organizations/operator.js';
import { cursorSchema, limitSchema, pageSchema } from './pages.js';
import { Problem } from './problems.js';
import { route, type AnyRoute, type RouteInput } from './route.js';

/*
 * Organisations for operators over HTTP: the same list, report and decision as `portico orgs`
 * (the organisations service), with the admin client as the actor of the audit event. The Tax
 * ID leaves only as its last four digits, as everywhere else.
 */

type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

const orgParams = z.object({ id: z.string().uuid().describe('The organisation\'s id') }).strict();
const status = z.enum(ORGANIZATION_STATUSES as [OrganizationStatus, ...OrganizationStatus[]]);
const date = z.iso.datetime();

const orgSummary = z.object({
  id: z.string(),
  legal_name: z.string(),
  tax_id_last4: z.string().describe('The last four digits of the Tax ID: all that is ever shown of it'),
  kind: z.string().describe('The account type of the person who asked for it (provider, employer, ...): what a portal\'s organization_types filters on'),
  status,
  created_at: date,
});

const orgDetail = orgSummary.extend({
  address: z.string(),
  phone: z.string(),
  created_by: z.string().describe('The audit actor who asked for it (account:<id>)'),
  requester: z.object({ id: z.string(), username: z.string(), email: z.string() }).nullable().describe('The person who asked for it, while their ID exists'),
  decided_by: z.string().nullable(),
  decided_at: date.nullable(),
  reason: z.string().nullable().describe('A rejection\'s reason, as the requester read it, or the reason of a suspension in force'),
  members: z.number().int(),
  pending_join_requests: z.number().int(),
});

const decision = z.object({ id: z.string(), status, requester_notified: z.boolean().describe('Whether the person who asked was mailed') });

const summary = (o: OrganizationSummary): z.input<typeof orgSummary> => ({ id: o.id, legal_name: o.legalName, tax_id_last4: o.taxIdLast4, kind: o.kind, status: o.status, created_at: o.createdAt.toISOString() });

const detail = (o: OrganizationDetail): z.input<typeof orgDetail> => ({
  ...summary(o),
  address: o.address,
  phone: o.phone,
  created_by: o.createdBy,
  requester: o.requester ? { id: o.requester.accountId, username: o.requester.username, email: o.requester.email } : null,
  decided_by: o.decidedBy,
  decided_at: o.decidedAt ? o.decidedAt.toISOString() : null,
  reason: o.reason,
  members: o.members,
  pending_join_requests: o.pendingJoinRequests,
});

const noSuchOrg = (id: string) => new Problem('not-found', `No organisation has the id "${id}".`);

async function decide({ params, deps, client }: Pick<RouteInput<typeof orgParams, undefined, undefined>, 'params' | 'deps' | 'client'>, approve: boolean, reason?: string) {
  const outcome = await deps.organizations.decide(params.id, approve, { adminClient: client }, reason);
  if (!outcome.ok && outcome.reason === 'not_found') throw noSuchOrg(params.id);
  if (!outcome.ok) throw new Problem('already-decided', `The organisation is already ${outcome.status}.`, { organization_status: outcome.status });
  return { id: params.id, status: approve ? ('approved' as const) : ('rejected' as const), requester_notified: outcome.requesterId !== undefined };
}

const statusChange = z.object({ id: z.string(), status });

async function suspend({ params, deps, client }: Pick<RouteInput<typeof orgParams, undefined, undefined>, 'params' | 'deps' | 'client'>, suspending: boolean, reason?: string) {
  const outcome = await deps.organizations.suspend(params.id, suspending, { adminClient: client }, reason);
  if (!outcome.ok && outcome.reason === 'not_found') throw noSuchOrg(params.id);
  if (!outcome.ok) {
    const needed = suspending ? 'an approved one can be suspended' : 'a suspended one can be reinstated';
    throw new Problem('wrong-status', `The organisation is ${outcome.status}; only ${needed}.`, { organization_status: outcome.status });
  }
  return { id: params.id, status: suspending ? ('suspended' as const) : ('approved' as const) };
}

const oneLineReason = (what: string) =>
  z
    .object({
      reason: z
        .string()
        .trim()
        .min(1)
        .max(500)
        .regex(/^[^\r\n]*$/)
        .describe(what),
    })
    .strict();

export const orgRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/orgs',
    operationId: 'orgs_list',
    summary: 'Organisations, oldest first (with status=pending: the requests to decide), a page at a time',
    scope: 'admin:orgs',
    query: z.object({ status: status.optional(), limit: limitSchema, cursor: cursorSchema }).strict(),
    response: pageSchema(orgSummary),
    handle: async ({ query, deps }) => {
      const page = await deps.organizations.page(query);
      return { items: page.items.map(summary), next_cursor: page.nextCursor ?? null };
    },
  }),
  route({
    method: 'get',
    path: '/orgs/{id}',
    operationId: 'org_show',
    summary: 'One organisation: its details, who asked for it, its decision, its members and join requests waiting',
    scope: 'admin:orgs',
    params: orgParams,
    response: orgDetail,
    handle: async ({ params, deps }) => {
      const org = await deps.organizations.show(params.id);
      if (!org) throw noSuchOrg(params.id);
      return detail(org);
    },
  }),
  route({
    method: 'post',
    path: '/orgs/{id}/approve',
    operationId: 'org_approve',
    summary: 'Approve a pending organisation: the person who asked becomes its administrator and is mailed; audited as operator.org_approve',
    scope: 'admin:orgs',
    write: true,
    params: orgParams,
    response: decision,
    handle: (input) => decide(input, true),
  }),
  route({
    method: 'post',
    path: '/orgs/{id}/reject',
    operationId: 'org_reject',
    summary: 'Reject a pending organisation with the reason its requester reads in the mail; audited as operator.org_reject',
    scope: 'admin:orgs',
    write: true,
    params: orgParams,
    body: oneLineReason('Why, one line, as the requester will read it'),
    response: decision,
    handle: (input) => decide(input, false, input.body.reason),
  }),
  route({
    method: 'post',
    path: '/orgs/{id}/suspend',
    operationId: 'org_suspend',
    summary: 'Suspend an approved organisation: it leaves its members\' organizations claim and its administrators can do nothing with it; audited as operator.org_suspend with the reason',
    scope: 'admin:orgs',
    write: true,
    params: orgParams,
    body: oneLineReason('Why, one line, kept with the organisation and in the audit log'),
    response: statusChange,
    handle: (input) => suspend(input, true, input.body.reason),
  }),
  route({
    method: 'post',
    path: '/orgs/{id}/reinstate',
    operationId: 'org_reinstate',
    summary: 'Reinstate a suspended organisation: approved again, as it was; audited as operator.org_reinstate',
    scope: 'admin:orgs',
    write: true,
    params: orgParams,
    response: statusChange,
    handle: (input) => suspend(input, false),
  }),
];
