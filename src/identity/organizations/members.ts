import type { Db } from '../../storage/database.js';
import type { TokenMembership } from '../account-cache.js';
import { emitEvent } from '../account-events.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { inTransaction } from '../transaction.js';
import { isAdminRoles, rolesOf, type OrgRole } from './roles.js';

/*
 * Members of an organisation, and what its administrators may change about them. Every change
 * is audited with the administrator as actor. An organisation never loses its last
 * administrator by a role change or a removal: someone must be left to manage its people.
 * Each change also tells subscribed portals (organisation.member_*), in its own transaction,
 * naming the member: they read the member's organisations claim again.
 */

/** What the `organizations` claim says of one organisation. */
export interface OrganizationClaim {
  id: string;
  name: string;
  roles: string[];
}

export type Refusal = { ok: false; reason: 'forbidden' | 'not_found' | 'last_admin' };

/** The approved organisations the account belongs to, as the token path caches them; by name. */
export function membershipsOf(db: Db, accountId: string): Promise<TokenMembership[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['organizations.id', 'organizations.legal_name as name', 'memberships.roles', 'organizations.kind'])
    .where('memberships.account_id', '=', accountId)
    .where('organizations.status', '=', 'approved')
    .orderBy('organizations.legal_name')
    .orderBy('organizations.id')
    .execute();
}

/** One membership as the claim says it (its kind stays inside: portals get id, name and roles). */
export const claimOf = (m: TokenMembership): OrganizationClaim => ({ id: m.id, name: m.name, roles: rolesOf(m.roles) });

/** The approved organisations the account belongs to, with their roles; by name. */
export async function organizationsOf(db: Db, accountId: string): Promise<OrganizationClaim[]> {
  return (await membershipsOf(db, accountId)).map(claimOf);
}

/** The roles of one account in one organisation; undefined when it is not a member. */
export async function rolesIn(db: Db, organizationId: string, accountId: string): Promise<string | undefined> {
  const row = await db.selectFrom('memberships').select('roles').where('organization_id', '=', organizationId).where('account_id', '=', accountId).executeTakeFirst();
  return row?.roles;
}

/** Whether the account administers this organisation, which must be approved. */
export async function administers(db: Db, organizationId: string, accountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select('memberships.roles')
    .where('memberships.organization_id', '=', organizationId)
    .where('memberships.account_id', '=', accountId)
    .where('organizations.status', '=', 'approved')
    .executeTakeFirst();
  return isAdminRoles(row?.roles);
}

/** Adds a member; false when the account already was one (its roles then stay). */
export async function addMember(trx: Db, organizationId: string, accountId: string, role: OrgRole, addedBy: string): Promise<boolean> {
  const added = await trx
    .insertInto('memberships')
    .values({ organization_id: organizationId, account_id: accountId, roles: role, added_by: addedBy })
    .onConflict((c) => c.columns(['account_id', 'organization_id']).doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (added) await emitEvent(trx, 'organisation.member_added', accountId);
  return added !== undefined;
}

export interface Member {
  accountId: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: string[];
  status: 'active' | 'disabled';
  since: Date;
}

/** The members, by username; `search` narrows to usernames, names and addresses containing it. */
export async function listMembers(db: Db, organizationId: string, search = ''): Promise<Member[]> {
  let query = db
    .selectFrom('memberships')
    .innerJoin('accounts', 'accounts.id', 'memberships.account_id')
    .select(['accounts.id', 'accounts.username', 'accounts.given_name', 'accounts.family_name', 'accounts.email', 'accounts.status', 'memberships.roles', 'memberships.created_at'])
    .where('memberships.organization_id', '=', organizationId);
  const term = search.trim().toLowerCase();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or(['accounts.username', 'accounts.given_name', 'accounts.family_name', 'accounts.email'].map((column) => eb(eb.fn('lower', [eb.ref(column as 'accounts.email')]), 'like', like))));
  }
  const rows = await query.orderBy('accounts.username').execute();
  return rows.map((r) => ({ accountId: r.id, username: r.username, givenName: r.given_name, familyName: r.family_name, email: r.email, roles: rolesOf(r.roles), status: r.status, since: new Date(r.created_at) }));
}

/** Whether taking the admin role away from `accountId` would leave the organisation without one. */
async function isLastAdmin(trx: Db, organizationId: string, accountId: string): Promise<boolean> {
  // Locks the organisation's admin rows: two administrators demoting each other at once cannot both succeed.
  const admins = await trx.selectFrom('memberships').select(['account_id', 'roles']).where('organization_id', '=', organizationId).forUpdate().execute();
  const others = admins.filter((m) => m.account_id !== accountId && isAdminRoles(m.roles));
  return others.length === 0 && isAdminRoles(admins.find((m) => m.account_id === accountId)?.roles);
}

/** An administrator gives a member another role. */
export function changeRole(db: Db, adminId: string, organizationId: string, memberId: string, role: OrgRole, origin: AuditOrigin = {}): Promise<{ ok: true; changed: boolean } | Refusal> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, adminId))) return { ok: false, reason: 'forbidden' };
    const before = await rolesIn(trx, organizationId, memberId);
    if (before === undefined) return { ok: false, reason: 'not_found' };
    if (role !== 'admin' && (await isLastAdmin(trx, organizationId, memberId))) return { ok: false, reason: 'last_admin' };
    const changed = before !== role;
    if (changed) {
      await trx.updateTable('memberships').set({ roles: role }).where('organization_id', '=', organizationId).where('account_id', '=', memberId).execute();
      await emitEvent(trx, 'organisation.member_role_changed', memberId);
    }
    await recordAudit(trx, { action: 'organization.role_changed', actor: `account:${adminId}`, accountId: memberId, ...origin, details: { organization_id: organizationId, from: before, to: role, changed } });
    return { ok: true, changed };
  });
}

/** An administrator removes a member (their ID stays: it belongs to the person). */
export function removeMember(db: Db, adminId: string, organizationId: string, memberId: string, origin: AuditOrigin = {}): Promise<{ ok: true } | Refusal> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, adminId))) return { ok: false, reason: 'forbidden' };
    if (await isLastAdmin(trx, organizationId, memberId)) return { ok: false, reason: 'last_admin' };
    const removed = await trx.deleteFrom('memberships').where('organization_id', '=', organizationId).where('account_id', '=', memberId).returning('roles').executeTakeFirst();
    if (!removed) return { ok: false, reason: 'not_found' };
    await emitEvent(trx, 'organisation.member_removed', memberId);
    await recordAudit(trx, { action: 'organization.member_removed', actor: `account:${adminId}`, accountId: memberId, ...origin, details: { organization_id: organizationId, roles: removed.roles } });
    return { ok: true };
  });
}
