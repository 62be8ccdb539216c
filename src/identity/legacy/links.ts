import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { AccountLink } from '../../storage/schema.js';
import { isUniqueViolation } from '../accounts.js';
import { enqueueMail } from '../../notify/outbox.js';
import { operatorAudit, recordAudit, type AuditOrigin, type Operator } from '../audit.js';

/*
 * Links between a Portico ID and a subject of a legacy system: unique on both sides, so a
 * subject belongs to one ID and an ID has at most one subject per system.
 */

export function findLink(db: Db, accountId: string, system: string): Promise<AccountLink | undefined> {
  return db.selectFrom('account_links').selectAll().where('account_id', '=', accountId).where('system', '=', system).executeTakeFirst();
}

export function listLinks(db: Db, accountId: string): Promise<AccountLink[]> {
  return db.selectFrom('account_links').selectAll().where('account_id', '=', accountId).orderBy('system').execute();
}

export type LinkOutcome = { ok: true } | { ok: false; reason: 'subject_taken' };

/**
 * Links the subject to the ID. The legacy owner is told by mail, in the same transaction, where
 * the import gave an address: if someone else guessed their old password, they hear of it.
 */
export async function linkSubject(db: Db, accountId: string, system: string, subject: string, origin: AuditOrigin = {}, systemName = system): Promise<LinkOutcome> {
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('account_links').values({ account_id: accountId, system, subject }).execute();
      await recordAudit(trx, { action: 'legacy.linked', actor: `account:${accountId}`, accountId, details: { system }, ...origin });
      const owner = await trx.selectFrom('legacy_accounts').select(['email', 'name', 'username']).where('system', '=', system).where('subject', '=', subject).executeTakeFirst();
      if (owner?.email) {
        await enqueueMail(trx, { to: owner.email, template: 'legacy-linked', data: { name: owner.name, legacyUsername: owner.username, systemName } });
      }
    });
    return { ok: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await recordAudit(db, { action: 'legacy.link_refused', actor: `account:${accountId}`, accountId, details: { system, reason: 'subject_linked_to_another_id' }, ...origin });
    return { ok: false, reason: 'subject_taken' };
  }
}

export async function removeLink(db: Db, accountId: string, system: string, operator: string | Operator): Promise<boolean> {
  const removed = await db.deleteFrom('account_links').where('account_id', '=', accountId).where('system', '=', system).executeTakeFirst();
  const changed = Number(removed.numDeletedRows) > 0;
  const { actor, details } = operatorAudit(operator);
  await recordAudit(db, { action: 'operator.links_remove', actor, accountId, details: { ...details, system, changed } });
  return changed;
}

const WINDOW = sql`interval '15 minutes'`;

/**
 * Takes one legacy-password attempt for the account and system, counted before checking (as
 * lockout does): false while the step is paused, or when 5 attempts in 15 minutes are used up.
 */
export async function reserveLegacyAttempt(db: Db, accountId: string, system: string, max = 5): Promise<boolean> {
  const row = await sql<{ failures: number }>`
    insert into legacy_link_attempts (account_id, system, failures, window_started_at)
    values (${accountId}, ${system}, 1, now())
    on conflict (account_id, system) do update set
      failures = case when legacy_link_attempts.window_started_at < now() - ${WINDOW} then 1 else legacy_link_attempts.failures + 1 end,
      window_started_at = case when legacy_link_attempts.window_started_at < now() - ${WINDOW} then now() else legacy_link_attempts.window_started_at end,
      paused_until = case when legacy_link_attempts.paused_until < now() then null else legacy_link_attempts.paused_until end
    where (legacy_link_attempts.paused_until is null or legacy_link_attempts.paused_until < now())
      and (legacy_link_attempts.failures < ${max} or legacy_link_attempts.window_started_at < now() - ${WINDOW})
    returning failures`.execute(db);
  return row.rows.length > 0;
}

/** After a wrong password: the attempt that uses up the window pauses the step for 15 minutes. */
export async function recordLegacyFailure(db: Db, accountId: string, system: string, max = 5, origin: AuditOrigin = {}): Promise<void> {
  await sql`update legacy_link_attempts set paused_until = now() + ${WINDOW}
    where account_id = ${accountId} and system = ${system} and failures >= ${max} and paused_until is null`.execute(db);
  await recordAudit(db, { action: 'legacy.password_failed', actor: `account:${accountId}`, accountId, details: { system }, ...origin });
}

export async function clearLegacyAttempts(db: Db, accountId: string, system: string): Promise<void> {
  await db.deleteFrom('legacy_link_attempts').where('account_id', '=', accountId).where('system', '=', system).execute();
}

/** The check could not be made (the portal's endpoint is down): the attempt does not count. */
export async function releaseLegacyAttempt(db: Db, accountId: string, system: string): Promise<void> {
  await sql`update legacy_link_attempts set failures = greatest(failures - 1, 0) where account_id = ${accountId} and system = ${system}`.execute(db);
}
