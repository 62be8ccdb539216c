import { sql, type RawBuilder } from 'kysely';
import type { Policy } from '../config/policy.js';
import { msg, translator } from '../i18n/index.js';
import type { Db } from '../storage/database.js';
import type { AuditOrigin } from './audit.js';
import { changeAccountWithEvent } from './account-events.js';
import { selectAccountByLogin, type Account } from './accounts.js';

/**
 * Consecutive failures and the lock they lead to (docs/architecture.md, security baseline; ASVS 4.0
 * V2.2.1). Failures and attempts in flight are kept apart: an attempt reserves a slot only
 * while failures + attempts in flight < max, by one conditional UPDATE, so however many
 * requests race at most `max` wrong secrets are ever checked; but a right one releases its
 * slot and clears the failures, so right passwords sent at once are never refused. Only
 * failures lock. A reservation counts for IN_FLIGHT_SECONDS after the newest one, so a
 * process that dies mid-check cannot hold a slot for ever. Under concurrent updates
 * PostgreSQL re-checks an UPDATE's conditions on the newest row version (EvalPlanQual, READ
 * COMMITTED), so every count stays exact; no transaction is held across argon2.
 */
export type Counter = 'password' | 'answer' | 'code';

const COLUMNS = {
  password: { failures: 'failed_password_count', inFlight: 'password_in_flight', until: 'password_in_flight_until' },
  answer: { failures: 'failed_answer_count', inFlight: 'answer_in_flight', until: 'answer_in_flight_until' },
  /** Codes typed at the sign-in's second step, of every kind: the app's, its recovery codes, emailed and phone codes (second-step/code-attempt.ts). */
  code: { failures: 'failed_code_count', inFlight: 'code_in_flight', until: 'code_in_flight_until' },
} as const;
/** Why a lock by failures was set, by counter; every one of them may be lifted as such a lock is. */
export const LOCK_REASON = { password: 'failed_passwords', answer: 'failed_answers', code: 'failed_codes' } as const;
const FAILURE_COLUMNS = Object.values(COLUMNS).map((c) => c.failures);
/** What lifting a lock clears: every counter's failures (the type refuses one left out). */
const NO_FAILURES = { failed_password_count: 0, failed_answer_count: 0, failed_code_count: 0 } satisfies Record<(typeof FAILURE_COLUMNS)[number], 0>;
export const OPERATOR_LOCK = 'operator';
export const IN_FLIGHT_SECONDS = 30;

/** The answer to an attempt held back because others are being checked: "try again", not locked. */
export class AttemptsInFlight extends Error {
  readonly status = 429;
  readonly expose = true;
  /** What the error page shows, in the page's language; the Error's own message (logs) is English. */
  readonly text = msg('sign_in.in_flight');
  constructor() {
    super(translator('en').t('sign_in.in_flight'));
  }
}

/** Taken: check the secret; busy: others are being checked; locked: no attempt is left. */
export type Slot = 'reserved' | 'busy' | 'locked';

/**
 * Asks `take` again while it answers busy: the attempts in flight settle within an argon2
 * verification, so a held-back attempt is usually served after a short wait.
 */
export async function untilSettled<T extends { slot: Slot }>(take: () => Promise<T>, tries = 40, pauseMs = 75): Promise<T> {
  for (let i = 1; ; i++) {
    const taken = await take();
    if (taken.slot !== 'busy') return taken;
    if (i >= tries) throw new AttemptsInFlight();
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

export function limitOf(policy: Policy['lockout'], counter: Counter): number {
  const limits: Record<Counter, number> = { password: policy.max_failed_passwords, answer: policy.max_failed_answers, code: policy.max_failed_codes };
  return limits[counter];
}

const ref = (table: string, column: string) => sql.ref(`${table}.${column}`);

/** The reservations still counting. */
function live(counter: Counter, table = 'accounts'): RawBuilder<number> {
  const c = COLUMNS[counter];
  return sql<number>`(case when ${ref(table, c.until)} > now() then ${ref(table, c.inFlight)} else 0 end)`;
}

function reserveSet(counter: Counter) {
  const c = COLUMNS[counter];
  return { [c.inFlight]: sql`${live(counter)} + 1`, [c.until]: sql`now() + ${sql.lit(`${IN_FLIGHT_SECONDS} seconds`)}::interval` };
}

function roomLeft(counter: Counter, max: number): RawBuilder<boolean> {
  return sql<boolean>`${ref('accounts', COLUMNS[counter].failures)} + ${live(counter)} < ${max}`;
}

/** Why no slot was free, from the account as read: its attempts used up, or others in flight. */
function refusal(account: Pick<Account, 'status' | 'lock_reason' | (typeof FAILURE_COLUMNS)[number]>, counter: Counter, limit: number, lockedOk: boolean): Slot {
  const open = account.status === 'active' || (lockedOk && Object.values<string | null>(LOCK_REASON).includes(account.lock_reason));
  return open && account[COLUMNS[counter].failures] < limit ? 'busy' : 'locked';
}

/**
 * Takes one attempt on an active account. `lockedWithin` lets an account locked by failures
 * (not by an operator) be tried while failures stay under that higher limit: the smart lock's
 * allowance for a device the ID remembers.
 */
export async function reserveAttempt(db: Db, accountId: string, counter: Counter, max: number, lockedWithin?: number): Promise<Slot> {
  const limit = lockedWithin ?? max;
  const row = await db
    .updateTable('accounts')
    .set(reserveSet(counter))
    .where('id', '=', accountId)
    .where((eb) => (lockedWithin === undefined ? eb('status', '=', 'active') : eb.and([eb('status', '=', 'disabled'), eb('lock_reason', 'in', Object.values(LOCK_REASON))])))
    .where(roomLeft(counter, limit))
    .returning('id')
    .executeTakeFirst();
  if (row) return 'reserved';
  const now = await db.selectFrom('accounts').select(['status', 'lock_reason', ...FAILURE_COLUMNS]).where('id', '=', accountId).executeTakeFirst();
  return now ? refusal(now, counter, limit, lockedWithin !== undefined) : 'locked';
}

/**
 * A sign-in's first round trip: the account a login names and, in the same statement, one
 * password attempt taken (as reserveAttempt does). The account is as it was before.
 */
export async function findAccountTakingAttempt(db: Db, login: string, max: number): Promise<{ account: Account; slot: Slot } | undefined> {
  const row = await db
    .with('found', () => selectAccountByLogin(db, login))
    .with('reserved', (qb) =>
      qb
        .updateTable('accounts')
        .set(reserveSet('password'))
        .from('found')
        .whereRef('accounts.id', '=', 'found.id')
        .where('accounts.status', '=', 'active')
        .where(roomLeft('password', max))
        .returning('accounts.id'),
    )
    .selectFrom('found')
    .selectAll('found')
    .select((eb) => eb.exists(eb.selectFrom('reserved').select('reserved.id')).as('reserved'))
    .executeTakeFirst();
  if (!row) return undefined;
  const { reserved, ...rest } = row;
  const account = rest as Account;
  return { account, slot: reserved ? 'reserved' : refusal(account, 'password', max, false) };
}

/** After a wrong secret: releases the slot and counts the failure; the failures now. */
export async function recordFailure(db: Db, accountId: string, counter: Counter): Promise<number> {
  const c = COLUMNS[counter];
  const row = await db
    .updateTable('accounts')
    .set({ [c.failures]: sql`${sql.ref(c.failures)} + 1`, [c.inFlight]: sql`greatest(${live(counter)} - 1, 0)` })
    .where('id', '=', accountId)
    .returning(c.failures)
    .executeTakeFirstOrThrow();
  return row[c.failures];
}

/** After an attempt that proved nothing either way (e.g. a code typed again): releases the slot, failures unchanged. */
export async function releaseAttempt(db: Db, accountId: string, counter: Counter): Promise<void> {
  const c = COLUMNS[counter];
  await db.updateTable('accounts').set({ [c.inFlight]: sql`greatest(${live(counter)} - 1, 0)` }).where('id', '=', accountId).execute();
}

/** After a right secret: releases the slot and ends the run of failures, with `extra` in the same statement. */
export async function recordSuccess(db: Db, accountId: string, counter: Counter, extra: { password_hash?: string } = {}): Promise<void> {
  const c = COLUMNS[counter];
  await db
    .updateTable('accounts')
    .set({ [c.failures]: 0, [c.inFlight]: sql`greatest(${live(counter)} - 1, 0)`, ...extra, ...(extra.password_hash ? { updated_at: new Date() } : {}) })
    .where('id', '=', accountId)
    .execute();
}

/** After a failure: locks the account if failures reached the limit. True if this call locked it. */
export function lockIfExhausted(db: Db, accountId: string, counter: Counter, max: number, origin: AuditOrigin = {}): Promise<boolean> {
  const reason = LOCK_REASON[counter];
  const lock = db
    .updateTable('accounts')
    .set({ status: 'disabled', lock_reason: reason, locked_at: new Date(), updated_at: new Date() })
    .where('id', '=', accountId)
    .where('status', '=', 'active')
    .where(COLUMNS[counter].failures, '>=', max)
    .returning('id');
  // The lock, its event for the portals and its audit event land together, in one statement.
  return changeAccountWithEvent(db, lock, 'account.locked', { action: 'account.locked', actor: 'system', details: { reason }, ...origin });
}

/** Re-enables a locked or disabled account and clears every counter's failures. */
export async function reenable(db: Db, accountId: string, onlyReasons?: string[]): Promise<boolean> {
  return (await reenableQuery(db, accountId, onlyReasons).executeTakeFirst()) !== undefined;
}

/** reenable's UPDATE, to run inside a statement of its own (account-events.ts). */
export function reenableQuery(db: Db, accountId: string, onlyReasons?: string[]) {
  let query = db
    .updateTable('accounts')
    .set({ status: 'active', lock_reason: null, locked_at: null, ...NO_FAILURES, updated_at: new Date() })
    .where('id', '=', accountId)
    .where('status', '=', 'disabled');
  if (onlyReasons) query = query.where('lock_reason', 'in', onlyReasons);
  return query.returning('id');
}
