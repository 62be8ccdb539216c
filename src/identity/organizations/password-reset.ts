import type { Policy } from '../../config/policy.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { findAccountById } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { mailHelpDesk, recoversByHelpDesk } from '../recovery/help-desk-mail.js';
import { inTransaction } from '../transaction.js';
import { administers, rolesIn } from './members.js';

/*
 * An administrator asks Portico to mail a member the way to choose a new password. The mail
 * points to the member's own forgot-password page rather than carrying a code: a recovery code
 * only works in the browser whose flow asked for it, and the member must still prove the
 * mailbox (and answer the questions when policy asks), so the administrator never gets a way
 * in. A type that recovers through the help desk gets the help desk's words instead, as its
 * own request would. At most one such mail per member per code resend wait.
 */

const TEMPLATE = 'org-password-reset';

export type ResetRefusal = { ok: false; reason: 'forbidden' | 'not_found' | 'limited' };

export async function mailPasswordReset(db: Db, policy: Policy, issuer: string, admin: Pick<Account, 'id' | 'given_name' | 'family_name'>, organizationId: string, memberId: string, origin: AuditOrigin = {}): Promise<{ ok: true } | ResetRefusal> {
  if (!(await administers(db, organizationId, admin.id))) return { ok: false, reason: 'forbidden' };
  const member = (await rolesIn(db, organizationId, memberId)) !== undefined ? await findAccountById(db, memberId) : undefined;
  if (!member || member.status !== 'active') return { ok: false, reason: 'not_found' };
  if (recoversByHelpDesk(policy, member)) {
    await mailHelpDesk(db, policy, member, 'password', origin);
    await recordAudit(db, { action: 'organization.password_reset_mailed', actor: `account:${admin.id}`, accountId: member.id, ...origin, details: { organization_id: organizationId, help_desk: true } });
    return { ok: true };
  }
  const since = new Date(Date.now() - policy.second_step.access_code.resend_throttle_seconds * 1000);
  return inTransaction(db, async (trx) => {
    const recent = await trx.selectFrom('mail_outbox').select('id').where('account_id', '=', member.id).where('template', '=', TEMPLATE).where('created_at', '>', since).limit(1).executeTakeFirst();
    if (recent) return { ok: false, reason: 'limited' } as const;
    const org = await trx.selectFrom('organizations').select('legal_name').where('id', '=', organizationId).executeTakeFirstOrThrow();
    const adminName = `${admin.given_name} ${admin.family_name}`.trim();
    await enqueueMail(trx, {
      to: member.email,
      template: TEMPLATE,
      accountId: member.id,
      language: 'account',
      data: { givenName: member.given_name, orgName: org.legal_name, adminName, link: `${issuer}/recover/password` },
    });
    await recordAudit(trx, { action: 'organization.password_reset_mailed', actor: `account:${admin.id}`, accountId: member.id, ...origin, details: { organization_id: organizationId } });
    return { ok: true } as const;
  });
}
