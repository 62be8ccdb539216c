import type { Db } from '../../storage/database.js';
import { findAccountById } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { advanceFlow, findFlow } from '../flows/flow-record.js';
import { invitationFlow, type InvitationFlow, type InvitationState } from '../flows/invitation.js';
import { setPassword, type NewPassword, type SetPasswordOutcome } from '../recovery/set-password.js';
import { claimPendingAddress } from '../registration/pending-ids.js';
import type { IdentityEnv } from './env.js';

/** The invitation link's page: find it, and set the first password through it once. */
export function invitationService(env: IdentityEnv) {
  const { db, hasher, policy } = env;
  return {
    /** The live invitation under the link's token; an unknown, used or expired one is undefined. */
    /** The username the page greets, so the person knows which ID the link is for. */
    async username(accountId: string): Promise<string | undefined> {
      return (await findAccountById(db, accountId))?.username;
    },
    find: (token: string | undefined) => findFlow<InvitationState, string, Record<string, never>>(db, invitationFlow, token) as Promise<InvitationFlow | undefined>,
    /**
     * The password under the policy; the link proved the address. Undefined when the ID is gone,
     * or the link was used (or the address taken by another ID) meanwhile.
     */
    async accept(flow: InvitationFlow, input: NewPassword, origin: AuditOrigin): Promise<SetPasswordOutcome | undefined> {
      const account = flow.accountId ? await findAccountById(db, flow.accountId) : undefined;
      if (!account) return undefined;
      let lost = false;
      const claim = async (trx: Db) => {
        if (!(await advanceFlow(trx, invitationFlow, flow, 'password_set')) || !(await claimPendingAddress(trx, account, account.email, origin, 'invitation'))) {
          lost = true;
          return false;
        }
        await recordAudit(trx, { action: 'invitation.accepted', actor: `account:${account.id}`, accountId: account.id, ...origin });
        return true;
      };
      const outcome = await setPassword(db, hasher, policy, account, input, { reason: 'invitation', endSessions: false, claim, origin });
      return lost ? undefined : outcome;
    },
  };
}

export type InvitationService = ReturnType<typeof invitationService>;
