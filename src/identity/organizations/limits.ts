import { sql } from 'kysely';
import type { OrganizationsPolicy } from '../../config/policy-organizations.js';
import type { Db } from '../../storage/database.js';

/*
 * The caps of the policy's `organizations` section, counted from the rows themselves over the
 * last 24 hours: an invitation counts when it is sent or resent (its sent_at), a request when it
 * is made. Counted in the caller's transaction, just before the row that would pass the cap.
 */

const DAY = sql<Date>`now() - interval '1 day'`;

/** Whether this administrator may send one more invitation today. */
export async function mayInvite(trx: Db, policy: OrganizationsPolicy, adminId: string): Promise<boolean> {
  const max = policy.invitations_per_admin_per_day;
  if (max === 0) return true;
  const row = await trx
    .selectFrom('org_invitations')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('inviter_account_id', '=', adminId)
    .where('sent_at', '>', DAY)
    .executeTakeFirstOrThrow();
  return Number(row.n) < max;
}

/** Whether this person may make one more request (to register or join) today. */
export async function mayRequest(trx: Db, policy: OrganizationsPolicy, accountId: string): Promise<boolean> {
  const max = policy.join_requests_per_account_per_day;
  if (max === 0) return true;
  const row = await trx
    .selectFrom('organization_requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_id', '=', accountId)
    .where('created_at', '>', DAY)
    .executeTakeFirstOrThrow();
  return Number(row.n) < max;
}
