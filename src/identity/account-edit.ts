import type { Policy } from '../config/policy.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { setAccountType } from './account-admin.js';
import { findAccountById } from './accounts.js';
import { operatorAudit, type AdminClient } from './audit.js';
import { startEmailChange, switchEmail, updateName, type ChangedBy } from './account-settings.js';
import { findVerifiedHolder } from './registration/pending-ids.js';
import { inTransaction } from './transaction.js';

/*
 * An operator's edit of an ID's profile (the admin API's PATCH): the address, the name, the
 * type. The address follows the account page's rules: a verified address is one ID's only; with
 * re-verification the new address gets the account page's code and the change waits for it
 * to be typed back there; without, the operator vouches for it and it counts as verified.
 */

export interface AccountEdit {
  email?: { address: string; verify: boolean };
  /** Either part, or both; a part left out stays. */
  name?: { givenName?: string; familyName?: string };
  type?: string;
}

export type EditOutcome =
  | { ok: true; changed: Array<'email' | 'name' | 'type'>; emailPending: string | null }
  | { ok: false; reason: 'email_taken' }
  | { ok: false; reason: 'email_throttled'; retryAfterSeconds: number }
  | { ok: false; reason: 'undeclared_type'; declared: string[] };

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Applies the edit, each part audited with the operator as actor; refused parts change nothing of the rest (checked first). */
export async function editAccount(db: Db, policy: Policy, account: Account, edit: AccountEdit, operator: AdminClient): Promise<EditOutcome> {
  const { actor, details, clientId } = operatorAudit(operator);
  const by: ChangedBy = { actor, details };
  const origin = { clientId };
  const address = edit.email?.address;
  const newAddress = address !== undefined && !(sameAddress(address, account.email) && account.email_verified_at !== null);
  if (newAddress) {
    const holder = await findVerifiedHolder(db, address);
    if (holder && holder.id !== account.id) return { ok: false, reason: 'email_taken' };
  }
  if (edit.type !== undefined && !policy.account_types.some((t) => t.id === edit.type)) return { ok: false, reason: 'undeclared_type', declared: policy.account_types.map((t) => t.id) };

  const changed: Array<'email' | 'name' | 'type'> = [];
  let emailPending: string | null = null;
  if (newAddress && edit.email!.verify) {
    const sent = await startEmailChange(db, account, address, policy.second_step.access_code, origin, by);
    if (!sent.ok) return { ok: false, reason: 'email_throttled', retryAfterSeconds: sent.reason === 'throttled' ? sent.retryAfterSeconds : Math.max(1, Math.ceil((sent.until.getTime() - Date.now()) / 1000)) };
    emailPending = address;
  } else if (newAddress) {
    const switched = await inTransaction(db, async (trx) => {
      // Checked again inside: another ID may have proved the address meanwhile.
      const holder = await findVerifiedHolder(trx, address);
      if (holder && holder.id !== account.id) return false;
      await switchEmail(trx, account, address, origin, by);
      return true;
    });
    if (!switched) return { ok: false, reason: 'email_taken' };
    changed.push('email');
  }
  const givenName = edit.name?.givenName ?? account.given_name;
  const familyName = edit.name?.familyName ?? account.family_name;
  if (givenName !== account.given_name || familyName !== account.family_name) {
    // Read again: the mail telling the owner goes to the address in force now.
    await updateName(db, (await findAccountById(db, account.id)) ?? account, givenName, familyName, origin, by);
    changed.push('name');
  }
  if (edit.type !== undefined) {
    const typed = await setAccountType(db, policy.account_types, account, edit.type, operator);
    if (typed.ok && typed.changed) changed.push('type');
  }
  return { ok: true, changed, emailPending };
}
