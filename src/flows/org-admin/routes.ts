import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { msg } from '../../i18n/index.js';
import { isInvitableEmail } from '../../identity/organizations/invitations.js';
import { isOrgRole } from '../../identity/organizations/roles.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { backTo, ORG_PAGES, renderOrgPage, type OrgPageName } from './page.js';
import { loadOrgAdmin, loadOrgPlace, notFound, type OrgPlace } from './place.js';
import { UUID } from './returns.js';

/*
 * An organisation administrator's pages: its members, its invitations of the last days and its
 * pending join requests. Every change is a POST bound to the account pages' CSRF token that
 * comes back to its page with a notice (post/redirect/get). Ids of another organisation, or of
 * nothing, are "not found": the services check, in their own transaction, that the
 * administrator administers the organisation the row belongs to.
 */

const text = z.string().max(2000).catch('');
const inviteForm = z.object({ email: text.transform((v) => v.trim()), role: text });
const roleForm = z.object({ role: text });

type Refusal = { ok: false; reason: string };
type Handler = (ctx: Context, deps: FlowDeps, place: OrgPlace, id: string) => Promise<void>;

/** A service's "forbidden" or "not found" is one answer: nothing here for this administrator. */
function refusedAsMissing(outcome: { ok: boolean } | Refusal): void {
  if ('reason' in outcome && (outcome.reason === 'forbidden' || outcome.reason === 'not_found')) throw notFound();
}

async function changeRole(ctx: Context, deps: FlowDeps, place: OrgPlace, memberId: string): Promise<void> {
  const { role } = roleForm.parse(ctx.request.body ?? {});
  const field = `role-${memberId}`;
  if (!isOrgRole(role)) return renderOrgPage(ctx, deps, place, 'members', { errors: { [field]: msg('orgadmin.error.role') } }, 400);
  const outcome = await deps.identity.organizations.changeRole(place.account.id, place.organization.id, memberId, role, place.origin);
  refusedAsMissing(outcome);
  if (!outcome.ok) return renderOrgPage(ctx, deps, place, 'members', { errors: { [field]: msg('orgadmin.error.last_admin') } }, 409);
  backTo(ctx, deps, place, 'members', 'orgadmin.notice.role_changed');
}

async function removeMember(ctx: Context, deps: FlowDeps, place: OrgPlace, memberId: string): Promise<void> {
  const outcome = await deps.identity.organizations.removeMember(place.account.id, place.organization.id, memberId, place.origin);
  refusedAsMissing(outcome);
  if (!outcome.ok) return renderOrgPage(ctx, deps, place, 'members', { errors: { [`member-${memberId}`]: msg('orgadmin.error.last_admin') } }, 409);
  backTo(ctx, deps, place, 'members', 'orgadmin.notice.removed');
}

async function passwordReset(ctx: Context, deps: FlowDeps, place: OrgPlace, memberId: string): Promise<void> {
  const outcome = await deps.identity.organizations.passwordReset(place.account, place.organization.id, memberId, place.origin);
  refusedAsMissing(outcome);
  if (!outcome.ok) return renderOrgPage(ctx, deps, place, 'members', { errors: { [`member-${memberId}`]: msg('orgadmin.error.reset_limited') } }, 429);
  backTo(ctx, deps, place, 'members', 'orgadmin.notice.reset_sent');
}

async function invite(ctx: Context, deps: FlowDeps, place: OrgPlace): Promise<void> {
  const form = inviteForm.parse(ctx.request.body ?? {});
  const errors = {
    ...(isInvitableEmail(form.email) ? {} : { email: msg('orgadmin.error.email') }),
    ...(isOrgRole(form.role) ? {} : { role: msg('orgadmin.error.role') }),
  };
  if (Object.keys(errors).length) return renderOrgPage(ctx, deps, place, 'invitations', { errors, values: form }, 400);
  const outcome = await deps.identity.organizations.invite(place.account, place.organization.id, form.email, form.role, place.origin);
  refusedAsMissing(outcome);
  if (!outcome.ok) {
    const limited = outcome.reason === 'limited';
    return renderOrgPage(ctx, deps, place, 'invitations', { errors: { email: msg(limited ? 'orgadmin.error.limited' : 'orgadmin.error.email') }, values: form }, limited ? 429 : 400);
  }
  backTo(ctx, deps, place, 'invitations', 'orgadmin.notice.invited', { email: form.email });
}

async function resend(ctx: Context, deps: FlowDeps, place: OrgPlace, invitationId: string): Promise<void> {
  const outcome = await deps.identity.organizations.resendInvitation(place.account, place.organization.id, invitationId, place.origin);
  refusedAsMissing(outcome);
  if (!outcome.ok) return renderOrgPage(ctx, deps, place, 'invitations', { errors: { [`invitation-${invitationId}`]: msg('orgadmin.error.limited') } }, 429);
  backTo(ctx, deps, place, 'invitations', 'orgadmin.notice.resent');
}

async function cancel(ctx: Context, deps: FlowDeps, place: OrgPlace, invitationId: string): Promise<void> {
  refusedAsMissing(await deps.identity.organizations.cancelInvitation(place.account.id, place.organization.id, invitationId, place.origin));
  backTo(ctx, deps, place, 'invitations', 'orgadmin.notice.cancelled');
}

const decide = (approve: boolean): Handler => async (ctx, deps, place, requestId) => {
  refusedAsMissing(await deps.identity.organizations.decideJoin(place.account.id, place.organization.id, requestId, approve, place.origin));
  backTo(ctx, deps, place, 'requests', approve ? 'orgadmin.notice.approved' : 'orgadmin.notice.declined');
};

/** The choice of organisation: one goes straight to it; someone who administers none was refused already. */
async function choose(ctx: Context, deps: FlowDeps): Promise<void> {
  const { administered } = await loadOrgAdmin(ctx, deps);
  if (administered.length === 1) {
    ctx.status = 303;
    return ctx.redirect(`/org/${administered[0]!.id}`);
  }
  sendPage(ctx, deps.renderer, 'org-admin-pick', { organizations: administered });
}

/** Another page under /org (an invitation's link) is not an organisation id: let its own route answer. */
const orgId = (ctx: Context) => String(ctx.params.orgId ?? '');

export function orgAdminRoutes(router: Router, deps: FlowDeps): void {
  router.get('/org', (ctx) => choose(ctx, deps));
  for (const page of Object.keys(ORG_PAGES) as OrgPageName[]) {
    router.get(`/org/:orgId${ORG_PAGES[page].path}`, async (ctx: Context, next: Next) => {
      if (!UUID.test(orgId(ctx))) return next();
      await renderOrgPage(ctx, deps, await loadOrgPlace(ctx, deps, orgId(ctx)), page);
    });
  }
  router.post('/org/:orgId/invitations', async (ctx) => invite(ctx, deps, await loadOrgPlace(ctx, deps, orgId(ctx), { post: true })));
  // Changes to one member, invitation or request; removing and resetting need a recent sign-in.
  const actions: Array<[string, Handler, boolean]> = [
    ['members/:id/role', changeRole, true],
    ['members/:id/remove', removeMember, true],
    ['members/:id/password-reset', passwordReset, true],
    ['invitations/:id/resend', resend, false],
    ['invitations/:id/cancel', cancel, false],
    ['requests/:id/approve', decide(true), false],
    ['requests/:id/decline', decide(false), false],
  ];
  for (const [path, handler, sensitive] of actions) {
    router.post(`/org/:orgId/${path}`, async (ctx) => {
      const place = await loadOrgPlace(ctx, deps, orgId(ctx), { post: true, sensitive });
      const id = String(ctx.params.id ?? '');
      if (!UUID.test(id)) throw notFound();
      await handler(ctx, deps, place, id);
    });
  }
}
