import { z } from 'zod';
import type { IdentityCheck, CheckField } from '../../config/policy-identity-check.js';
import { msg, type Msg } from '../../i18n/index.js';
import type { Db } from '../../storage/database.js';
import { askVerifier } from '../http-verifier.js';

/*
 * The identity check an account type may have: the fields it asks at registration, and the
 * plan's verifier that says whether they name one of its people. The values typed are sent to
 * the verifier and nowhere else: not stored, not logged, not in the audit trail.
 */

/** The form's name of a check's field: the type and field ids are [a-z0-9_], so '-' cannot be part of either. */
export const checkFieldName = (accountType: string, fieldId: string) => `idcheck-${accountType}-${fieldId}`;
/** The error beside the check's fields as a group ("no match"): its fieldset. */
export const checkGroupName = (accountType: string) => `idcheck-${accountType}`;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateProblem(value: string, now: Date): Msg | undefined {
  const parts = ISO_DATE.exec(value);
  const date = parts ? new Date(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]))) : undefined;
  // Date.UTC rolls 2024-02-31 over into March: the round trip catches days a month lacks.
  if (!date || date.toISOString().slice(0, 10) !== value || date.getUTCFullYear() < 1900) return msg('idcheck.error.date');
  return date > now ? msg('idcheck.error.date_future') : undefined;
}

function fieldProblem(field: CheckField, value: string, now: Date): Msg | undefined {
  if (value === '') return msg('idcheck.error.required');
  if (field.kind === 'date') return dateProblem(value, now);
  return value.length > field.maxLength ? msg('idcheck.error.too_long', { max: field.maxLength }) : undefined;
}

/** Every field of the check that is missing or malformed, by its form name. */
export function checkFieldErrors(accountType: string, check: IdentityCheck, values: Record<string, string>, now = new Date()): Record<string, Msg> {
  const errors: Record<string, Msg> = {};
  for (const field of check.fields) {
    const problem = fieldProblem(field, values[field.id] ?? '', now);
    if (problem) errors[checkFieldName(accountType, field.id)] = problem;
  }
  return errors;
}

/** The fields of one type out of everything the form posted, by field id, trimmed. */
export function checkValues(accountType: string, check: IdentityCheck, posted: Record<string, string>): Record<string, string> {
  return Object.fromEntries(check.fields.map((f) => [f.id, (posted[checkFieldName(accountType, f.id)] ?? '').trim()]));
}

export type CheckResult = { result: 'match'; subject: string } | { result: 'no_match' } | { result: 'unavailable' };

const answer = z.union([
  z.object({ match: z.literal(true), subject: z.union([z.string().trim().min(1).max(200), z.number()]) }),
  z.object({ match: z.literal(false) }),
]);

/**
 * Asks the verifier: POST {account_type, fields} (bearer secret). 200 {match: true, subject}:
 * a match; 200 {match: false} or 404: no match; anything else, or no answer in time: unavailable.
 */
export async function runIdentityCheck(accountType: string, check: IdentityCheck, values: Record<string, string>): Promise<CheckResult> {
  const reply = await askVerifier(check.verifier, { account_type: accountType, fields: values });
  if (reply?.status === 404) return { result: 'no_match' };
  const parsed = answer.safeParse(reply?.status === 200 ? reply.body : undefined);
  if (!parsed.success) return { result: 'unavailable' };
  return parsed.data.match ? { result: 'match', subject: String(parsed.data.subject) } : { result: 'no_match' };
}

/** Keeps the plan's subject id with the new ID, in the registration's transaction. */
export async function storeCheckedSubject(trx: Db, accountId: string, accountType: string, subject: string): Promise<void> {
  await trx.insertInto('identity_check_subjects').values({ account_id: accountId, account_type: accountType, subject }).execute();
}

/** The subject id an ID was checked with, and as which type; undefined for an ID made without a check. */
export function findCheckedSubject(db: Db, accountId: string): Promise<{ account_type: string; subject: string } | undefined> {
  return db.selectFrom('identity_check_subjects').select(['account_type', 'subject']).where('account_id', '=', accountId).executeTakeFirst();
}
