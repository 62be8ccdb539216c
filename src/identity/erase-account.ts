import { sql, type Transaction } from 'kysely';
import type { Db } from '../storage/database.js';
import { accountModelKey } from '../storage/model-keys.js';
import type { Account, Database } from '../storage/schema.js';
import { operatorAudit, recordAudit, type AdminClient, type Operator, type StaffMember } from './audit.js';
import { codeHmacKey, keyedHash } from './keyed-hash.js';
import { inTransaction } from './transaction.js';
import { emitAccountEvent } from './account-events.js';
import type { PortalSessions } from './portal-sessions.js';

/*
 * Deleting an ID: the person's right to erasure, and the help desk's tool for duplicates.
 * Every row about the account goes in one transaction; the audit trail stays, with the
 * account's id, username and email replaced by a pseudonym that only this installation's key
 * can recompute from the id (so an investigation holding the old id can still find them).
 */

/** The pseudonym of an account id in the audit trail once the account is deleted. */
export async function erasedPseudonym(db: Db, accountId: string): Promise<string> {
  return `erased:${keyedHash(await codeHmacKey(db), 'erased-account', accountId)}`;
}

type Trx = Transaction<Database>;

/** `haystack` contains `needle`, any case: position() has no wildcards for an email's `_` to match. */
const mentions = (column: string, needle: string) => sql<boolean>`position(${needle.toLowerCase()} in lower(${sql.ref(column)}::text)) > 0`;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the account in one audit value: its id and email wherever they occur (both are
 * distinctive), its username only as a whole value (a short username may be part of other words).
 */
function scrub(value: unknown, account: Account, pseudonym: string): unknown {
  if (typeof value === 'string') {
    if (value.trim().toLowerCase() === account.username.toLowerCase()) return pseudonym;
    return value.replace(new RegExp(`${escaped(account.id)}|${escaped(account.email)}`, 'gi'), pseudonym);
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, account, pseudonym));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, account, pseudonym)]));
  return value;
}

/** Rewrites every audit event that names the account so that it names the pseudonym instead. */
async function pseudonymiseAudit(trx: Trx, account: Account, pseudonym: string): Promise<void> {
  const rows = await trx
    .selectFrom('audit_events')
    .select(['id', 'account_id', 'actor', 'details'])
    .where((eb) => eb.or([eb('account_id', '=', account.id), mentions('actor', account.id), mentions('details', account.id), mentions('details', account.email), mentions('details', account.username)]))
    .execute();
  for (const row of rows) {
    await trx
      .updateTable('audit_events')
      .set({
        account_id: row.account_id === account.id ? pseudonym : row.account_id,
        actor: scrub(row.actor, account, pseudonym) as string,
        details: JSON.stringify(scrub(row.details, account, pseudonym)),
      })
      .where('id', '=', row.id)
      .execute();
  }
}

/**
 * Deletes every row about the account, the account last. Rate-limit counters are left to
 * expire: their keys are hashes of what was typed (web/rate-limits.ts), and they last minutes.
 */
async function deleteRows(trx: Trx, account: Account): Promise<void> {
  const id = account.id;
  const phones = (await trx.selectFrom('phone_numbers').select('e164').where('account_id', '=', id).execute()).map((p) => p.e164);
  const links = await trx.selectFrom('account_links').select(['system', 'subject']).where('account_id', '=', id).execute();
  // The legacy logins linked to it hold the same person's old username, email and password hash.
  for (const link of links) await trx.deleteFrom('legacy_accounts').where('system', '=', link.system).where('subject', '=', link.subject).execute();
  for (const table of ['account_links', 'legacy_link_attempts', 'security_answers', 'trusted_devices', 'one_time_codes', 'authenticator_recovery_codes', 'authenticator_apps', 'passkeys', 'webauthn_challenges', 'phone_numbers', 'phone_pending', 'staff_roles'] as const) {
    await trx.deleteFrom(table).where('account_id', '=', id).execute();
  }
  // A flow begun before the account was known carries what was typed: the username as a whole JSON string.
  await trx.deleteFrom('flows').where((eb) => eb.or([eb('account_id', '=', id), mentions('data', JSON.stringify(account.username)), mentions('data', account.email)])).execute();
  // Mail and texts sent to the person: their bodies carry the username and the codes.
  await trx.deleteFrom('mail_outbox').where((eb) => eb.or([eb('account_id', '=', id), eb(sql`lower(to_address)`, '=', account.email.toLowerCase())])).execute();
  await trx.deleteFrom('phone_outbox').where((eb) => (phones.length ? eb.or([eb('account_id', '=', id), eb('to_number', 'in', phones)]) : eb('account_id', '=', id))).execute();
  await trx.deleteFrom('code_failures').where('subject', '=', id).execute();
  // Memberships and requests go with the account (foreign keys, on delete cascade); invitations
  // to the person's address, and the note of who accepted one, name them.
  await trx.deleteFrom('org_invitations').where((eb) => eb.or([eb(sql`lower(email)`, '=', account.email.toLowerCase()), eb('accepted_by', '=', id)])).execute();
  // An admin client's stored answers to earlier writes name the account's id.
  await trx.deleteFrom('admin_idempotency_keys').where(mentions('response', id)).execute();
  // Sessions, grants and tokens, when the protocol store is this database (oidc/adapters/sql.ts).
  await trx.deleteFrom('oidc_models').where('account_key', '=', accountModelKey(id)).execute();
  await trx.deleteFrom('accounts').where('id', '=', id).execute();
}

/**
 * Deletes the account and everything about it, and audits the deletion under its pseudonym,
 * in one transaction. Returns the pseudonym. The protocol store outside this database (Redis)
 * is the caller's to clear (portal-sessions.ts).
 */
export async function eraseAccount(db: Db, account: Account, operator: string | Operator | AdminClient | StaffMember): Promise<string> {
  const pseudonym = await erasedPseudonym(db, account.id);
  await inTransaction(db, async (trx) => {
    await deleteRows(trx, account);
    await pseudonymiseAudit(trx, account, pseudonym);
    const { actor, details, clientId } = operatorAudit(operator);
    await recordAudit(trx, { action: 'operator.delete', actor, accountId: pseudonym, clientId, details });
    // The one row left naming the ID: portals that were sent its data must hear that it is
    // gone, so they can erase theirs (GDPR Art. 19). Its earlier events go with it.
    await trx.deleteFrom('webhook_outbox').where('subject', '=', account.id).execute();
    await emitAccountEvent(trx, 'account.deleted', account.id);
  });
  return pseudonym;
}

/**
 * What `portico users delete`, the admin API and the console run: the portals signed in are
 * told and the sessions ended first (they are found by the account), then the rows go, then
 * any grants and tokens left in a protocol store outside this database.
 */
export async function deleteAccount(db: Db, portals: PortalSessions, account: Account, operator: string | Operator | AdminClient | StaffMember): Promise<string> {
  await portals.endAll(account.id);
  const pseudonym = await eraseAccount(db, account, operator);
  await portals.forgetGrants(account.id);
  return pseudonym;
}
