import type { Policy } from '../../config/policy.js';
import { recoveryOf } from '../../config/policy-account-types.js';
import { helpDeskWords } from '../../notify/help-desk.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { inTransaction } from '../transaction.js';

/*
 * Recovery for types whose policy says `recovery: help_desk` (providers, employers, brokers by
 * default): their IDs reach portals' records of others, so a mailbox alone must not get them
 * back; the help desk does it after its own checks.
 *
 * The choice of what the person sees: the pages must not tell which usernames or addresses
 * have an ID, nor of which type. Telling "call the help desk" on the page would do both (a
 * name that gets it exists, and is a provider). So the pages stay exactly those of any other
 * request, and the difference goes only to the ID's own mailbox: forgot-username mails the
 * help desk's words instead of the username, and forgot-password runs the flow of a username
 * with no ID behind it (a pretend code that never works, its counters per username) while the
 * mailbox gets the help desk's words instead of a code. Whoever reads that mailbox learns what
 * to do; whoever typed someone else's name learns nothing.
 */

export type HelpDeskAsk = 'password' | 'username';

const TEMPLATE = 'recovery-help-desk';

export function recoversByHelpDesk(policy: Policy, account: Pick<Account, 'account_type'>): boolean {
  return recoveryOf(policy.account_types, account.account_type) === 'help_desk';
}

/**
 * Mails the help desk's words to the ID's address, at most once per code resend wait: asking
 * again and again must not make Portico flood someone's mailbox.
 */
export async function mailHelpDesk(db: Db, policy: Policy, account: Account, ask: HelpDeskAsk, origin: AuditOrigin = {}): Promise<void> {
  const since = new Date(Date.now() - policy.second_step.access_code.resend_throttle_seconds * 1000);
  await inTransaction(db, async (trx) => {
    const recent = await trx.selectFrom('mail_outbox').select('id').where('account_id', '=', account.id).where('template', '=', TEMPLATE).where('created_at', '>', since).limit(1).executeTakeFirst();
    if (recent) return;
    await enqueueMail(trx, { to: account.email, template: TEMPLATE, accountId: account.id, data: { givenName: account.given_name, ask, helpDesk: helpDeskWords(policy.lockout) } });
    await recordAudit(trx, { action: 'recovery.help_desk_mailed', actor: 'anonymous', accountId: account.id, details: { ask, account_type: account.account_type }, ...origin });
  });
}
