import { codeFailuresSchema } from '../config/policy-recovery.js';
import type { Policy } from '../config/policy.js';
import type { Db } from '../storage/database.js';
import type { CodeFailuresTable } from '../storage/schema.js';

/*
 * Failed one-time codes per account, across codes and purposes, until a success (NIST SP
 * 800-63B §3.2.2: at most 100 consecutive failures; back-off before that). Counted by door:
 * `recovery` is reached with a username alone, `password` only after the right password (sign-in
 * access codes, email verification and change). An anonymous attacker guessing reset codes can
 * therefore lock the recovery door only: the owner still signs in with the password and an
 * access code, and that success opens the recovery door again.
 *
 * A check runs with the counter row locked (SELECT ... FOR UPDATE): checks of one account are
 * serialised, so parallel wrong codes count exactly, none is checked once the limit is reached,
 * and a right code is refused only for failures already counted, never for codes in flight.
 * Checking a code is one HMAC, so holding the row for it costs nothing worth measuring.
 */
export type Door = CodeFailuresTable['door'];
export type CodeFailuresPolicy = Policy['code_failures'];
export type Gate = { open: true } | { open: false; waitSeconds: number } | { open: false; locked: true };

export const DEFAULT_CODE_FAILURES: CodeFailuresPolicy = codeFailuresSchema.parse({});

/** The counter row of a subject (an account id, or a decoy's `decoy:` key), locked for this transaction. */
export async function lockCounter(trx: Db, subject: string, door: Door): Promise<{ failures: number; blocked_until: Date | null }> {
  // One statement creates the row or locks the existing one: INSERT ... ON CONFLICT DO UPDATE
  // takes the conflicting row's lock and, under READ COMMITTED, returns its latest committed
  // values (PostgreSQL docs, INSERT "ON CONFLICT Clause"), as SELECT ... FOR UPDATE would.
  return trx
    .insertInto('code_failures')
    .values({ subject, door })
    .onConflict((oc) => oc.columns(['subject', 'door']).doUpdateSet((eb) => ({ subject: eb.ref('excluded.subject') })))
    .returning(['failures', 'blocked_until'])
    .executeTakeFirstOrThrow();
}

export function gateOf(counter: { failures: number; blocked_until: Date | null }, policy: CodeFailuresPolicy, now: Date): Gate {
  if (counter.failures >= policy.max_failures) return { open: false, locked: true };
  if (counter.blocked_until && counter.blocked_until > now) return { open: false, waitSeconds: Math.ceil((counter.blocked_until.getTime() - now.getTime()) / 1000) };
  return { open: true };
}

/** Counts one failure (the row is locked by lockCounter) and sets the wait the next check must respect. */
export async function countFailure(trx: Db, subject: string, door: Door, failuresBefore: number, policy: CodeFailuresPolicy, now: Date): Promise<Gate> {
  const failures = failuresBefore + 1;
  const over = failures - policy.backoff_after;
  const waitSeconds = over < 0 ? 0 : Math.min(policy.backoff_max_seconds, policy.backoff_base_seconds * 2 ** Math.min(over, 30));
  const blocked_until = waitSeconds > 0 ? new Date(now.getTime() + waitSeconds * 1000) : null;
  await trx.updateTable('code_failures').set({ failures, blocked_until, updated_at: now }).where('subject', '=', subject).where('door', '=', door).execute();
  return gateOf({ failures, blocked_until }, policy, now);
}

/** A success: this door's count starts over; a success behind the password opens the recovery door too. */
export async function clearCodeFailures(db: Db, subject: string, door: Door): Promise<boolean> {
  const doors: Door[] = door === 'password' ? ['password', 'recovery'] : ['recovery'];
  // An update, not a delete: a check waiting on the row lock (PostgreSQL, READ COMMITTED) would
  // find a deleted row gone and have no counter to count on.
  const result = await db
    .updateTable('code_failures')
    .set({ failures: 0, blocked_until: null, updated_at: new Date() })
    .where('subject', '=', subject)
    .where('door', 'in', doors)
    .where('failures', '>', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
