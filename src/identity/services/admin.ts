import { describeAccount, operatorAction, setAccountType, type AccountReport, type OperatorAction, type SetTypeOutcome } from '../account-admin.js';
import { findAccountById } from '../accounts.js';
import { deleteAccount } from '../erase-account.js';
import { searchAccounts, type AccountQuery } from '../account-search.js';
import { allAudit, searchAudit, type AuditFilter } from '../audit-search.js';
import { operatorAudit, recordAudit, type AdminClient, type StaffMember } from '../audit.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../idempotency.js';
import { editAccount, type AccountEdit, type EditOutcome } from '../account-edit.js';
import { createAccountByOperator, operatorInputProblems, type NewStaffCreatedAccount } from '../invitation.js';
import { mayActOn, staffRolesOf } from '../staff.js';
import type { IdentityEnv } from './env.js';

/**
 * What the admin API does: the help desk's own actions (account-admin.ts, which the CLI runs
 * too) with an admin client as the actor, and the searches behind its lists.
 */
export function adminService({ db, policy, hasher, issuer, portals }: IdentityEnv) {
  return {
    searchAccounts: (query: AccountQuery) => searchAccounts(db, query),

    /** The account's report, or undefined when no account has this id. */
    async describe(id: string): Promise<AccountReport | undefined> {
      const account = await findAccountById(db, id);
      return account && describeAccount(db, account);
    },

    /** Runs one help-desk action, audited (an admin client or a console's staff member as the actor); undefined when no account has this id. */
    async act(id: string, action: OperatorAction, client: AdminClient | StaffMember): Promise<{ changed: boolean } | undefined> {
      const account = await findAccountById(db, id);
      if (!account) return undefined;
      return { changed: await operatorAction(db, account, action, client, portals) };
    },

    /** Deletes the ID and everything about it (erase-account.ts); its pseudonym in the audit trail, or undefined when no account has this id. */
    async erase(id: string, client: AdminClient | StaffMember): Promise<{ pseudonym: string } | undefined> {
      const account = await findAccountById(db, id);
      return account && { pseudonym: await deleteAccount(db, portals, account, client) };
    },

    /** Gives the ID another declared type (account-admin.ts), audited; undefined when no account has this id. */
    async setType(id: string, type: string, client: AdminClient | StaffMember): Promise<SetTypeOutcome | undefined> {
      const account = await findAccountById(db, id);
      return account && setAccountType(db, policy.account_types, account, type, client);
    },

    /** The account types the policy declares, in its order. */
    accountTypes: () => policy.account_types.map((t) => t.id),

    /** The fields of a new ID that registration's rules refuse (invitation.ts). */
    inputProblems: (user: NewStaffCreatedAccount) => operatorInputProblems(policy, user),

    /** A new ID with an invitation to choose its password (invitation.ts); 'taken' when its username or verified address is another's. */
    async createInvited(user: NewStaffCreatedAccount, client: AdminClient): Promise<AccountReport | 'taken'> {
      const created = await createAccountByOperator(db, user, { hasher, issuer, operator: client });
      return created === 'taken' ? created : describeAccount(db, created);
    },

    /** An operator's edit of the address, name or type (account-edit.ts); undefined when no account has this id. */
    async edit(id: string, edit: AccountEdit, client: AdminClient): Promise<EditOutcome | undefined> {
      const account = await findAccountById(db, id);
      return account && editAccount(db, policy, account, edit, client);
    },

    /** Whether this staff member may act on this ID (staff.ts mayActOn). */
    async staffMayActOn(staffAccountId: string, targetId: string): Promise<boolean> {
      return mayActOn(await staffRolesOf(db, staffAccountId), await staffRolesOf(db, targetId));
    },

    /**
     * The ID's newest audit events, each account actor with its username where the ID still
     * exists (the console shows who did it).
     */
    async auditTrail(accountId: string, limit: number) {
      const { items } = await searchAudit(db, { account: accountId }, limit);
      const names = new Map<string, string>();
      for (const actor of new Set(items.map((e) => e.actor).filter((a) => a.startsWith('account:')))) {
        const account = await findAccountById(db, actor.slice('account:'.length)).catch(() => undefined);
        if (account) names.set(actor, account.username);
      }
      return items.map((e) => ({ ...e, actorName: names.get(e.actor) }));
    },

    /** Audits a reload of the clients file asked through the API, put in force or refused. */
    async clientsReloaded(client: AdminClient, details: { reloaded: boolean; clients?: number; problem?: string }): Promise<void> {
      const { actor, details: via, clientId } = operatorAudit(client);
      await recordAudit(db, { action: 'operator.clients_reload', actor, clientId, details: { ...via, ...details } });
    },

    /** The console's staff roles of an ID (staff.ts); none: not staff. */
    staffRoles: (accountId: string) => staffRolesOf(db, accountId),

    searchAudit: (filter: AuditFilter, limit: number, cursor?: string) => searchAudit(db, filter, limit, cursor),
    exportAudit: (filter: AuditFilter) => allAudit(db, filter),

    /** Idempotency keys of writes, per admin client (idempotency.ts). */
    idempotency: {
      claim: (clientId: string, key: string, fingerprint: string) => claimIdempotencyKey(db, clientId, key, fingerprint),
      complete: (clientId: string, key: string, status: number, body: unknown) => completeIdempotencyKey(db, clientId, key, status, body),
      release: (clientId: string, key: string) => releaseIdempotencyKey(db, clientId, key),
    },
  };
}

export type AdminService = ReturnType<typeof adminService>;
