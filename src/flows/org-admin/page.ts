import type { Context } from 'koa';
import type { Text } from '../../i18n/index.js';
import { ORG_ROLES } from '../../identity/organizations/roles.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { setFlash, takeFlash, type AccountNotice } from '../account/flash.js';
import { accountBinding } from '../account/place.js';
import { notFound, type OrgPlace } from './place.js';

/** An organisation's three pages, each with its own address under /org/:id and its own view. */
export const ORG_PAGES = {
  members: { path: '', view: 'org-admin-members' },
  invitations: { path: '/invitations', view: 'org-admin-invitations' },
  requests: { path: '/requests', view: 'org-admin-requests' },
} as const;
export type OrgPageName = keyof typeof ORG_PAGES;

export const orgPagePath = (organizationId: string, page: OrgPageName) => `/org/${organizationId}${ORG_PAGES[page].path}`;

export interface OrgMessages {
  errors?: Record<string, Text>;
  values?: Record<string, string>;
}

/** What one page lists; undefined (the organisation is no longer theirs) reads as not found. */
async function pageData(ctx: Context, deps: FlowDeps, place: OrgPlace, page: OrgPageName): Promise<Record<string, unknown>> {
  const orgs = deps.identity.organizations;
  const { id } = place.organization;
  const me = place.account.id;
  const q = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
  const listed =
    page === 'members' ? { members: await orgs.members(me, id, q), q } : page === 'invitations' ? { invitations: await orgs.invitations(me, id) } : { requests: await orgs.joinRequests(me, id) };
  if (Object.values(listed).includes(undefined)) throw notFound();
  return listed;
}

export async function renderOrgPage(ctx: Context, deps: FlowDeps, place: OrgPlace, page: OrgPageName, messages: OrgMessages = {}, status = 200): Promise<void> {
  const { organization, account } = place;
  sendPage(ctx, deps.renderer, ORG_PAGES[page].view, {
    ...(await pageData(ctx, deps, place, page)),
    page,
    organization,
    me: account.id,
    several: place.administered.length > 1,
    base: `/org/${organization.id}`,
    roles: ORG_ROLES,
    csrf: deps.csrf.token(accountBinding(account.id)),
    notice: takeFlash(ctx, deps, account.id),
    errors: messages.errors ?? {},
    values: messages.values ?? {},
    // A refused post shows this page at the post's address: the language switch comes back here.
    returnTo: orgPagePath(organization.id, page),
  }, status);
}

/** After a change: back to the page the form is on (post/redirect/get), which says what was done. */
export function backTo(ctx: Context, deps: FlowDeps, place: OrgPlace, page: OrgPageName, notice: AccountNotice, vars?: Record<string, string>): void {
  setFlash(ctx, deps, place.account.id, notice, vars);
  ctx.status = 303;
  ctx.redirect(orgPagePath(place.organization.id, page));
}
