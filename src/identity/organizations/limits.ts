import { sql } from 'kysely';
import type { OrganizationsPolicy } from '../../config/policy-organizations.js';
import type { Db } from '../../storage/database.js';

/*
 * The caps of the policy's `organizations` section, counted from the rows themselves over the
 * last 24 hours: an invitation counts when it is sent or resent (its sent_at), a request when it
 * is made. Counted in the caller's transaction, just before the row that would pass the cap.
 */

/** What each cap counts: whose rows, and when each row counted. */
const COUNTED = {
  invitations: { table: 'org_invitations', by: 'inviter_account_id', at: 'sent_at' },
  requests: { table: 'organization_requests', by: 'account_id', at: 'created_at' },
} as const;

/** Whether this person's rows of that kind over the last 24 hours are still under the cap (0: no cap). */
async function underDailyCap(trx: Db, counted: keyof typeof COUNTED, accountId: string, max: number): Promise<boolean> {
  if (max === 0) return true;
  const { table, by, at } = COUNTED[counted];
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(by)} = ${accountId} and ${sql.ref(at)} > now() - interval '1 day'`.execute(trx);
  return Number(rows[0]?.n ?? 0) < max;
}

/** Whether this administrator may send one more invitation today. */
export const mayInvite = (trx: Db, policy: OrganizationsPolicy, adminId: string) => underDailyCap(trx, 'invitations', adminId, policy.invitations_per_admin_per_day);

/** Whether this person may make one more request (to register or join) today. */
export const mayRequest = (trx: Db, policy: OrganizationsPolicy, accountId: string) => underDailyCap(trx, 'requests', accountId, policy.join_requests_per_account_per_day);
