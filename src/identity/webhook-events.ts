import { requeueDead } from '../notify/webhook-queue.js';
import type { Db } from '../storage/database.js';
import type { WebhookStatus } from '../storage/schema.js';
import { operatorAudit, recordAudit, type AdminClient, type Operator, type StaffMember } from './audit.js';
import { afterCreated, createdKey, createdMicros } from './created-order.js';
import { pageOf, type Page } from './cursor.js';
import { inTransaction } from './transaction.js';

/*
 * What operators see of the webhook outbox, and the replay of dead-lettered events: after a
 * portal's endpoint was fixed, its events go out again with their own ids (a portal that
 * de-duplicates by the event id drops any it did get). Only what the row holds is shown:
 * the event, its subject and the last failure; no body, signature or secret exists to show.
 */

export const WEBHOOK_STATUSES: readonly WebhookStatus[] = ['pending', 'sending', 'delivered', 'dead'];

export interface WebhookEventSummary {
  id: string;
  eventType: string;
  subject: string;
  status: WebhookStatus;
  attempts: number;
  createdAt: Date;
  finishedAt: Date | null;
  lastError: string | null;
  /** How many endpoints acknowledged it. */
  deliveredTo: number;
}

/** Events newest first, a page at a time, optionally of one status. Throws InvalidCursor. */
export async function pageWebhookEvents(db: Db, query: { status?: WebhookStatus; limit: number; cursor?: string }): Promise<Page<WebhookEventSummary>> {
  let select = db.selectFrom('webhook_outbox').select(['id', 'event_type', 'subject', 'status', 'attempts', 'created_at', 'finished_at', 'last_error', 'delivered_to', createdMicros]);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.cursor) select = select.where(afterCreated(query.cursor, 'desc'));
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return pageOf(rows, query.limit, createdKey, (row) => ({
    id: row.id,
    eventType: row.event_type,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at && new Date(row.finished_at),
    lastError: row.last_error,
    deliveredTo: (JSON.parse(row.delivered_to) as unknown[]).length,
  }));
}

export type ReplayOutcome = { ok: true } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'not_dead'; status: WebhookStatus };

/** Requeues dead events (these, or every one), each audited as operator.webhook_replay, in one transaction. */
export function replayDeadEvents(db: Db, ids: readonly string[] | 'all', operator: string | Operator | AdminClient | StaffMember): Promise<string[]> {
  return inTransaction(db, async (trx) => {
    const { actor, details, clientId } = operatorAudit(operator);
    const requeued = await requeueDead(trx, ids);
    for (const event of requeued) await recordAudit(trx, { action: 'operator.webhook_replay', actor, clientId, accountId: null, details: { ...details, event_id: event.id, event_type: event.event_type } });
    return requeued.map((event) => event.id);
  });
}

/** Replays one dead event; says why not when it is unknown or not dead (it may be on its way already). */
export async function replayEvent(db: Db, id: string, operator: string | Operator | AdminClient | StaffMember): Promise<ReplayOutcome> {
  if ((await replayDeadEvents(db, [id], operator)).length === 1) return { ok: true };
  const row = await db.selectFrom('webhook_outbox').select('status').where('id', '=', id).executeTakeFirst();
  return row ? { ok: false, reason: 'not_dead', status: row.status } : { ok: false, reason: 'not_found' };
}
