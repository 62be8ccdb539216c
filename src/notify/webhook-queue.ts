import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { OutboxEvent } from '../storage/schema.js';
import { claimDue } from './outbox-queue.js';

/*
 * The webhook outbox as a work queue shared by every process, claimed as the mail outbox is
 * (outbox-queue.ts). `delivered_to` is written with every outcome, so an endpoint that
 * acknowledged an event is not sent it again when another endpoint's failure brings it back.
 */

export function claimDueEvents(db: Db, options: { limit: number; lockMs: number }): Promise<OutboxEvent[]> {
  return claimDue<OutboxEvent>(db, 'webhook_outbox', options);
}

export async function markDelivered(db: Db, id: string, deliveredTo: string[]): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ status: 'delivered', finished_at: sql<Date>`now()`, locked_until: null, last_error: null, delivered_to: JSON.stringify(deliveredTo) })
    .where('id', '=', id)
    .execute();
}

export async function scheduleEventRetry(db: Db, id: string, delayMs: number, error: string, deliveredTo: string[]): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({
      status: 'pending',
      locked_until: null,
      last_error: error,
      delivered_to: JSON.stringify(deliveredTo),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000}::double precision)`,
    })
    .where('id', '=', id)
    .execute();
}

/** Dead-lettered: kept for the operator (status 'dead', last_error), never sent again. */
export async function markDead(db: Db, id: string, error: string, deliveredTo: string[]): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ status: 'dead', finished_at: sql<Date>`now()`, locked_until: null, last_error: error, delivered_to: JSON.stringify(deliveredTo) })
    .where('id', '=', id)
    .execute();
}

/** Events not yet delivered nor given up on, and how long the oldest of them has waited. */
export async function eventBacklog(db: Db): Promise<{ pending: number; oldestSeconds: number }> {
  const row = await db
    .selectFrom('webhook_outbox')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirst();
  const oldest = row?.oldest ? new Date(row.oldest as Date | string).getTime() : undefined;
  return { pending: Number(row?.n ?? 0), oldestSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
}

/**
 * Dead-lettered events (of `ids`, or all) back in the queue as new: no attempts, due now, so
 * the sender delivers them again. `delivered_to` stays: an endpoint that acknowledged the event
 * before the others gave up is not sent it twice. Returns the events requeued.
 */
export async function requeueDead(db: Db, ids: readonly string[] | 'all'): Promise<Array<Pick<OutboxEvent, 'id' | 'event_type'>>> {
  let update = db
    .updateTable('webhook_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, locked_until: null, finished_at: null, last_error: null })
    .where('status', '=', 'dead');
  if (ids !== 'all') update = update.where('id', 'in', ids.length > 0 ? [...ids] : ['']);
  return update.returning(['id', 'event_type']).execute();
}
