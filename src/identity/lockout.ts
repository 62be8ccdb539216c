import { sql } from 'kysely';
import type { Policy } from '../config/policy.js';
import type { Db } from '../storage/database.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { selectAccountByLogin, type Account } from './accounts.js';

/**
 * Consecutive failures and the lock they lead to (design.md, security baseline). An attempt
 * is counted *before* its secret is checked, by a conditional update, so however many
 * requests race only `max` of them are ever checked: the rest find the account at its limit.
 * A success clears the count; the attempt that reaches the limit with a failure locks.
 */
export type Counter = 'password' | 'answer';

const COLUMN = { password: 'failed_password_count', answer: 'failed_answer_count' } as const;
export const LOCK_REASON = { password: 'failed_passwords', answer: 'failed_answers' } as const;
export const OPERATOR_LOCK = 'operator';

export function limitOf(policy: Policy['lockout'], counter: Counter): number {
  return counter === 'password' ? policy.max_failed_passwords : policy.max_failed_answers;
}

/** Takes one attempt; false when the account is locked or its attempts are used up. */
export async function reserveAttempt(db: Db, accountId: string, counter: Counter, max: number): Promise<boolean> {
  const column = COLUMN[counter];
  const row = await db
    .updateTable('accounts')
    .set({ [column]: sql`${sql.ref(column)} + 1` })
    .where('id', '=', accountId)
    .where('status', '=', 'active')
    .where(column, '<', max)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A sign-in's first round trip: the account a login names and, in the same statement, one
 * password attempt taken (as reserveAttempt does). The account is as it was before the
 * attempt was counted. Under concurrent updates PostgreSQL re-checks the UPDATE's conditions
 * on the newest row version (EvalPlanQual, READ COMMITTED), so the count stays exact.
 */
export async function findAccountTakingAttempt(db: Db, login: string, max: number): Promise<{ account: Account; reserved: boolean } | undefined> {
  const row = await db
    .with('found', () => selectAccountByLogin(db, login))
    .with('reserved', (qb) =>
      qb
        .updateTable('accounts')
        .set({ failed_password_count: sql`accounts.failed_password_count + 1` })
        .from('found')
        .whereRef('accounts.id', '=', 'found.id')
        .where('accounts.status', '=', 'active')
        .where('accounts.failed_password_count', '<', max)
        .returning('accounts.id'),
    )
    .selectFrom('found')
    .selectAll('found')
    .select((eb) => eb.exists(eb.selectFrom('reserved').select('reserved.id')).as('reserved'))
    .executeTakeFirst();
  if (!row) return undefined;
  const { reserved, ...account } = row;
  return { account: account as Account, reserved: Boolean(reserved) };
}

export async function clearFailures(db: Db, accountId: string, counter: Counter): Promise<void> {
  await db.updateTable('accounts').set({ [COLUMN[counter]]: 0 }).where('id', '=', accountId).execute();
}

/** After a failed check: locks the account if this failure used up its attempts. True if this call locked it. */
export async function lockIfExhausted(db: Db, accountId: string, counter: Counter, max: number, origin: AuditOrigin = {}): Promise<boolean> {
  const reason = LOCK_REASON[counter];
  const locked = await db
    .updateTable('accounts')
    .set({ status: 'disabled', lock_reason: reason, locked_at: new Date(), updated_at: new Date() })
    .where('id', '=', accountId)
    .where('status', '=', 'active')
    .where(COLUMN[counter], '>=', max)
    .returning('id')
    .executeTakeFirst();
  if (!locked) return false;
  await recordAudit(db, { action: 'account.locked', actor: 'system', accountId, details: { reason }, ...origin });
  return true;
}

/** Re-enables a locked or disabled account and clears both counters. */
export async function reenable(db: Db, accountId: string, onlyReasons?: string[]): Promise<boolean> {
  let query = db
    .updateTable('accounts')
    .set({ status: 'active', lock_reason: null, locked_at: null, failed_password_count: 0, failed_answer_count: 0, updated_at: new Date() })
    .where('id', '=', accountId)
    .where('status', '=', 'disabled');
  if (onlyReasons) query = query.where('lock_reason', 'in', onlyReasons);
  return (await query.returning('id').executeTakeFirst()) !== undefined;
}
