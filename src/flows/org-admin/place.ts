import type { Context } from 'koa';
import type { OrganizationClaim } from '../../identity/organizations/members.js';
import { msg } from '../../i18n/index.js';
import { PageError } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { loadAccountPlace, type AccountPlace } from '../account/place.js';
import { orgReturnOf, UUID } from './returns.js';

/*
 * Who is on an organisation's pages: the account pages' own session (account/place.ts), so the
 * same sign-in, CSRF binding and recent sign-in rule apply. Someone who administers no
 * organisation is refused (403); an administrator naming an organisation they do not
 * administer gets "not found", as if it did not exist: its ids reveal nothing.
 */

export interface OrgAdminPlace extends AccountPlace {
  /** The approved organisations this person administers, by name. */
  administered: OrganizationClaim[];
}

export interface OrgPlace extends OrgAdminPlace {
  organization: OrganizationClaim;
}

export const notFound = () => new PageError(404, msg('error.not_found_title'), msg('error.not_found'));

export async function loadOrgAdmin(ctx: Context, deps: FlowDeps, options: { post?: boolean; sensitive?: boolean; organizationId?: string } = {}): Promise<OrgAdminPlace> {
  const place = await loadAccountPlace(ctx, deps, { post: options.post, sensitive: options.sensitive, back: orgReturnOf(options.organizationId) });
  const administered = (await deps.identity.organizations.of(place.account.id)).filter((o) => o.roles.includes('admin'));
  if (administered.length === 0) throw new PageError(403, msg('orgadmin.forbidden_title'), msg('orgadmin.forbidden'));
  return { ...place, administered };
}

/** The organisation of the address, for one of its administrators. */
export async function loadOrgPlace(ctx: Context, deps: FlowDeps, organizationId: string, options: { post?: boolean; sensitive?: boolean } = {}): Promise<OrgPlace> {
  const place = await loadOrgAdmin(ctx, deps, { ...options, organizationId });
  const organization = UUID.test(organizationId) ? place.administered.find((o) => o.id === organizationId) : undefined;
  if (!organization) throw notFound();
  return { ...place, organization };
}
