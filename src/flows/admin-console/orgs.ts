import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { msg } from '../../i18n/index.js';
import type { OrganizationDetail } from '../../identity/organizations/operator.js';
import type { StaffRole } from '../../identity/staff.js';
import { PageError } from '../../web/page-errors.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { badCursor, noSuchUser, REASON_MAX, reasonError } from './actions.js';
import { loadStaffPlace, type StaffPlace } from './place.js';

/*
 * Organisation requests in the console: the queue of pending registrations (oldest first, a
 * page at a time), one request's details, and the decision behind a confirmation page with a
 * required reason, as the user actions are (actions.ts). Every staff role sees the queue;
 * only operators decide, as only the admin API's admin:orgs scope (never the help desk's
 * admin:users:*) may: approving makes the requester the administrator of an organisation
 * that speaks for a Tax ID, a decision for the same people who can make it elsewhere.
 */

const PAGE_SIZE = 50;
const listQuery = z.object({ cursor: z.string().max(1000).optional().catch(undefined) });
const idParam = z.string().uuid();
type Decision = 'approve' | 'reject';
const decisionOf = (value: unknown): Decision | undefined => (value === 'approve' || value === 'reject' ? value : undefined);
const form = z.object({ reason: z.string().optional() });

export const mayDecide = (roles: readonly StaffRole[]) => roles.includes('operator');
const operatorsOnly = () => new PageError(403, msg('console.error.forbidden_title'), msg('console.orgs.operators_only'));

const STATUS_WORDS: Readonly<Record<OrganizationDetail['status'], string>> = {
  pending: 'console.orgs.status.pending',
  approved: 'console.orgs.status.approved',
  rejected: 'console.orgs.status.rejected',
  suspended: 'console.orgs.status.suspended',
};

const NOTICES: Readonly<Record<string, string>> = {
  approved: 'console.orgs.notice.approved',
  rejected: 'console.orgs.notice.rejected',
  decided: 'console.orgs.notice.decided',
};

async function queue(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const cursor = listQuery.parse(ctx.query).cursor || undefined;
  const page = await deps.identity.organizations.page({ status: 'pending', limit: PAGE_SIZE, cursor }).catch(badCursor);
  const next = page.nextCursor ? `/admin/orgs?${new URLSearchParams({ cursor: page.nextCursor }).toString()}` : undefined;
  sendPage(ctx, deps.renderer, 'console-orgs', { csrf: place.csrf, orgs: page.items, next, later: cursor !== undefined });
}

async function organization(ctx: Context, deps: FlowDeps): Promise<OrganizationDetail> {
  const id = idParam.safeParse(ctx.params.id);
  const org = id.success ? await deps.identity.organizations.show(id.data) : undefined;
  if (!org) throw noSuchUser();
  return org;
}

async function show(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const org = await organization(ctx, deps);
  const done = typeof ctx.query.done === 'string' && Object.hasOwn(NOTICES, ctx.query.done) ? NOTICES[ctx.query.done] : undefined;
  sendPage(ctx, deps.renderer, 'console-org', { csrf: place.csrf, org, done, status: STATUS_WORDS[org.status], mayDecide: org.status === 'pending' && mayDecide(place.roles) });
}

interface Target {
  place: StaffPlace;
  org: OrganizationDetail;
  decision: Decision;
}

/** The operator, the organisation and the decision of this address; 404 for an unknown one, 403 for the help desk. */
async function target(ctx: Context, deps: FlowDeps, post: boolean): Promise<Target> {
  const place = await loadStaffPlace(ctx, deps, { post, fresh: true });
  const decision = decisionOf(ctx.params.decision);
  if (!decision) throw noSuchUser();
  const org = await organization(ctx, deps);
  if (!mayDecide(place.roles)) throw operatorsOnly();
  return { place, org, decision };
}

function confirmPage(ctx: Context, deps: FlowDeps, { place, org, decision }: Target, reason = '', error?: ReturnType<typeof reasonError>): void {
  sendPage(ctx, deps.renderer, 'console-org-confirm', { csrf: place.csrf, org, decision, reasonMax: REASON_MAX, values: { reason }, errors: error ? { reason: error } : {} }, error ? 400 : 200);
}

async function confirm(ctx: Context, deps: FlowDeps): Promise<void> {
  const found = await target(ctx, deps, false);
  // Decided meanwhile: the page says by whom, rather than offering a decision that cannot be made.
  if (found.org.status !== 'pending') return goTo(ctx, found.org.id, 'decided');
  confirmPage(ctx, deps, found);
}

function goTo(ctx: Context, id: string, done: string): void {
  ctx.status = 303;
  ctx.redirect(`/admin/orgs/${id}?done=${done}`);
}

async function decide(ctx: Context, deps: FlowDeps): Promise<void> {
  const found = await target(ctx, deps, true);
  const posted = form.safeParse(ctx.request.body ?? {});
  // A rejection's reason is mailed to the requester as one line (the admin API's and the CLI's rule too).
  const reason = (posted.success ? (posted.data.reason ?? '') : '').replace(/\s+/g, ' ').trim();
  const error = reasonError(reason);
  if (error) return confirmPage(ctx, deps, found, reason, error);
  const approve = found.decision === 'approve';
  const outcome = await deps.identity.organizations.decide(found.org.id, approve, { staffAccount: found.place.session.accountId, reason }, approve ? undefined : reason);
  if (!outcome.ok && outcome.reason === 'not_found') throw noSuchUser();
  goTo(ctx, found.org.id, outcome.ok ? (approve ? 'approved' : 'rejected') : 'decided');
}

export function consoleOrgRoutes(router: Router, deps: FlowDeps): void {
  router.get('/admin/orgs', (ctx) => queue(ctx, deps));
  router.get('/admin/orgs/:id', (ctx) => show(ctx, deps));
  router.get('/admin/orgs/:id/:decision', (ctx) => confirm(ctx, deps));
  router.post('/admin/orgs/:id/:decision', (ctx) => decide(ctx, deps));
}
