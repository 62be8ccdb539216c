import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { operatorAudit, recordAudit, type Operator } from './audit.js';
import { inTransaction } from './transaction.js';

/*
 * Staff roles: who may use the help-desk console. `helpdesk` looks IDs up and runs the help
 * desk's actions on people's IDs; `operator` may act on help-desk staff's IDs too. Only an
 * operator of the CLI grants or revokes one, and each change writes an audit event in the same
 * transaction.
 */

export const STAFF_ROLES = ['helpdesk', 'operator'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const isStaffRole = (value: unknown): value is StaffRole => STAFF_ROLES.includes(value as StaffRole);

export interface StaffGrant {
  accountId: string;
  username: string;
  role: StaffRole;
  grantedAt: Date;
  grantedBy: string;
}

/** Gives the ID a role; false when it already had it. Audited as operator.staff_grant. */
export function grantStaffRole(db: Db, account: Account, role: StaffRole, operator: string | Operator): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const { actor, details } = operatorAudit(operator);
    const added = await trx.insertInto('staff_roles').values({ account_id: account.id, role, granted_by: actor }).onConflict((c) => c.doNothing()).returning('role').executeTakeFirst();
    const changed = added !== undefined;
    await recordAudit(trx, { action: 'operator.staff_grant', actor, accountId: account.id, details: { ...details, role, changed } });
    return changed;
  });
}

/** Takes a role away; false when the ID did not have it. Audited as operator.staff_revoke. */
export function revokeStaffRole(db: Db, account: Account, role: StaffRole, operator: string | Operator): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const removed = await trx.deleteFrom('staff_roles').where('account_id', '=', account.id).where('role', '=', role).executeTakeFirst();
    const changed = Number(removed.numDeletedRows) > 0;
    const { actor, details } = operatorAudit(operator);
    await recordAudit(trx, { action: 'operator.staff_revoke', actor, accountId: account.id, details: { ...details, role, changed } });
    return changed;
  });
}

/** Every grant, by username then role. */
export async function listStaff(db: Db): Promise<StaffGrant[]> {
  const rows = await db
    .selectFrom('staff_roles')
    .innerJoin('accounts', 'accounts.id', 'staff_roles.account_id')
    .select(['staff_roles.account_id', 'accounts.username', 'staff_roles.role', 'staff_roles.granted_at', 'staff_roles.granted_by'])
    .orderBy('accounts.username')
    .orderBy('staff_roles.role')
    .execute();
  return rows.map((r) => ({ accountId: r.account_id, username: r.username, role: r.role, grantedAt: new Date(r.granted_at), grantedBy: r.granted_by }));
}

/** The roles one ID holds (none: not staff). */
export async function staffRolesOf(db: Db, accountId: string): Promise<StaffRole[]> {
  const rows = await db.selectFrom('staff_roles').select('role').where('account_id', '=', accountId).execute();
  return rows.map((r) => r.role);
}

/**
 * Whether staff holding `actor` roles may act on an ID holding `target` roles: help-desk staff
 * only on IDs without a role, an operator also on help-desk staff's, never on an operator's
 * (their own included), so no one widens or clears their own or a peer's power.
 */
export function mayActOn(actor: readonly StaffRole[], target: readonly StaffRole[]): boolean {
  if (target.length === 0) return actor.length > 0;
  return actor.includes('operator') && !target.includes('operator');
}
