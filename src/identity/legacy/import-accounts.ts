import { randomUUID } from 'node:crypto';
import type { Db } from '../../storage/database.js';
import { isUniqueViolation } from '../accounts.js';
import { operatorAudit, recordAudit, type Operator } from '../audit.js';
import { emitAccountEvent } from '../account-events.js';
import type { LegacyRecord, ParsedLine } from './import-file.js';

export interface ImportSummary {
  /** Records new to Portico. */
  imported: number;
  /** Subjects imported before whose record this file replaced (`existing: 'update'`). */
  updated: number;
  /** Subjects imported before, left as they were (`existing: 'skip'`). */
  kept: number;
  accountsCreated: number;
  skipped: Array<{ line: number; error: string }>;
}

/** What a record for a subject imported before does: replace it, or leave it. */
export type ExistingSubject = 'update' | 'skip';

type Outcome = 'imported' | 'updated' | 'kept';

/**
 * Stores each record for the link step. A subject imported before (an earlier run) is left as
 * it is unless `existing` is 'update'. With `createAccounts`, a record with an email also
 * becomes a Portico ID holding the legacy hash, linked to its subject: its owner signs in with
 * the old password once and is moved to argon2id silently (PasswordHasher.verify and needsRehash).
 */
export async function importLegacyRecords(
  db: Db,
  system: string,
  lines: ParsedLine[],
  options: { createAccounts: boolean; existing: ExistingSubject; operator: string | Operator },
): Promise<ImportSummary> {
  const summary = await importEach(db, lines, 'username or email already used by another record or ID', (trx, record) => importOne(trx, system, record, options));
  const { actor, details } = operatorAudit(options.operator);
  await recordAudit(db, {
    action: 'operator.legacy_import',
    actor,
    details: { ...details, system, existing: options.existing, imported: summary.imported, updated: summary.updated, kept: summary.kept, accounts_created: summary.accountsCreated, skipped: summary.skipped.length },
  });
  return summary;
}

/** One transaction per record, so a duplicate skips its own line and nothing else. */
async function importEach(db: Db, lines: ParsedLine[], duplicateMessage: string, importRecord: (trx: Db, record: LegacyRecord) => Promise<{ outcome: Outcome; created: boolean }>): Promise<ImportSummary> {
  const summary: ImportSummary = { imported: 0, updated: 0, kept: 0, accountsCreated: 0, skipped: [] };
  for (const entry of lines) {
    if ('error' in entry) {
      summary.skipped.push(entry);
      continue;
    }
    try {
      const { outcome, created } = await db.transaction().execute((trx) => importRecord(trx, entry.record));
      summary[outcome]++;
      if (created) summary.accountsCreated++;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      summary.skipped.push({ line: entry.line, error: duplicateMessage });
    }
  }
  return summary;
}

async function importOne(trx: Db, system: string, record: LegacyRecord, options: { createAccounts: boolean; existing: ExistingSubject }): Promise<{ outcome: Outcome; created: boolean }> {
  const row = { username: record.username, password_hash: record.password_hash, email: record.email ?? null, name: record.name ?? null, imported_at: new Date() };
  const before = await trx.selectFrom('legacy_accounts').select('subject').where('system', '=', system).where('subject', '=', record.subject).forUpdate().executeTakeFirst();
  if (before && options.existing === 'skip') return { outcome: 'kept', created: false };
  if (before) await trx.updateTable('legacy_accounts').set(row).where('system', '=', system).where('subject', '=', record.subject).execute();
  // A subject imported meanwhile by a parallel run fails here as a duplicate, and is reported.
  else await trx.insertInto('legacy_accounts').values({ system, subject: record.subject, ...row }).execute();
  const outcome = before ? 'updated' : 'imported';
  if (!options.createAccounts || !record.email) return { outcome, created: false };
  const linked = await trx.selectFrom('account_links').select('account_id').where('system', '=', system).where('subject', '=', record.subject).executeTakeFirst();
  if (linked) return { outcome, created: false };
  const id = await createImportedAccount(trx, record as LegacyRecord & { email: string });
  await trx.insertInto('account_links').values({ account_id: id, system, subject: record.subject }).execute();
  return { outcome, created: true };
}

/** A Portico ID holding the legacy hash; its first sign-in moves it to argon2id. */
async function createImportedAccount(trx: Db, record: LegacyRecord & { email: string }): Promise<string> {
  const [given = record.username, ...rest] = (record.name ?? record.username).split(/\s+/);
  const id = randomUUID();
  await trx
    .insertInto('accounts')
    .values({ id, username: record.username, email: record.email, given_name: given, family_name: rest.join(' ') || '-', password_hash: record.password_hash, email_verified_at: new Date() })
    .execute();
  await emitAccountEvent(trx, 'account.created', id);
  return id;
}

/** `portico users import`: lazy migration of a user base into Portico IDs. */
export async function importUsers(db: Db, lines: ParsedLine[], operator: string | Operator): Promise<ImportSummary> {
  const summary = await importEach(db, lines, 'username or email already used by an ID', async (trx, record) => {
    await createImportedAccount(trx, record as LegacyRecord & { email: string });
    return { outcome: 'imported', created: true };
  });
  const { actor, details } = operatorAudit(operator);
  await recordAudit(db, { action: 'operator.users_import', actor, details: { ...details, created: summary.accountsCreated, skipped: summary.skipped.length } });
  return summary;
}
