import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import { findAccountByEmail } from '../registration/verification-mail.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import type { Policy } from '../../config/policy.js';
import { mailHelpDesk, recoversByHelpDesk } from './help-desk-mail.js';

/**
 * "Forgot username": mails the username to the address if an ID uses it; an ID whose type
 * recovers through the help desk gets the help desk's words instead (help-desk-mail.ts). The
 * caller answers the same words in every case, so the page reveals nothing.
 */
export async function mailUsername(db: Db, policy: Policy, email: string, signInUrl: string, origin: AuditOrigin = {}): Promise<void> {
  const account = await findAccountByEmail(db, email.trim());
  if (!account) {
    await recordAudit(db, { action: 'recovery.username_requested', actor: 'anonymous', details: { matched: false }, ...origin });
    return;
  }
  if (recoversByHelpDesk(policy, account)) return mailHelpDesk(db, policy, account, 'username', origin);
  await db.transaction().execute(async (trx) => {
    await enqueueMail(trx, { to: account.email, template: 'forgot-username', accountId: account.id, data: { givenName: account.given_name, usernames: [account.username], signInUrl } });
    await recordAudit(trx, { action: 'recovery.username_requested', actor: 'anonymous', accountId: account.id, details: { matched: true }, ...origin });
  });
}
