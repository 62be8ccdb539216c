import { randomUUID } from 'node:crypto';
import { sql, type UpdateQueryBuilder } from 'kysely';
import { auditEvents } from '../metrics/metrics.js';
import type { Db } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { auditRow, type AuditEvent } from './audit.js';
import type { AccountEventType, MembershipEventType, WebhookEventType } from '../config/webhook-events.js';

export { ACCOUNT_EVENT_TYPES, MEMBERSHIP_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../config/webhook-events.js';
export type { AccountEventType, MembershipEventType, WebhookEventType };

/**
 * Queues an event for the portals' webhooks (notify/webhooks.ts delivers it). Pass the
 * transaction of the change: the event then exists if and only if the change commits, and is
 * delivered even if this process dies right after. Only the ID's subject is kept: a portal that
 * wants the new address or name asks userinfo, so no personal data waits in the queue.
 */
export async function emitAccountEvent(db: Db, type: AccountEventType, accountId: string): Promise<void> {
  await emitEvent(db, type, accountId);
}

/** Any declared event; organisation membership changes come through here (organizations/members.ts). */
export async function emitEvent(db: Db, type: WebhookEventType, subject: string): Promise<void> {
  await db.insertInto('webhook_outbox').values({ id: randomUUID(), event_type: type, subject }).execute();
}

/**
 * One account's change that portals must hear of, with its audit event, as ONE statement:
 * the UPDATE, the queued event and the audit row are data-modifying WITH queries (PostgreSQL
 * manual, "Data-Modifying Statements in WITH"), which commit together or not at all. The
 * event and the audit row are written only for a row the UPDATE changed, so the usual case
 * (a conditional UPDATE that matches nothing: the remembered device of an ID that is not
 * locked, a wrong password short of the limit) costs one round trip and no transaction.
 * `change` must update `accounts` and return `id`. True if it changed a row.
 */
export async function changeAccountWithEvent(db: Db, change: AccountChange, type: AccountEventType, audit: Omit<AuditEvent, 'accountId'>): Promise<boolean> {
  const row = auditRow(audit);
  const changed = await db
    .with('changed', () => change)
    .with('queued', (qb) =>
      qb
        .insertInto('webhook_outbox')
        .columns(['id', 'event_type', 'subject'])
        .expression((eb) => eb.selectFrom('changed').select([sql<string>`${randomUUID()}::text`.as('id'), sql<string>`${type}::text`.as('event_type'), 'changed.id as subject']))
        .returning('subject'),
    )
    .insertInto('audit_events')
    .columns(['action', 'actor', 'account_id', 'client_id', 'ip', 'user_agent', 'details'])
    .expression((eb) =>
      eb
        .selectFrom('queued')
        .select([
          sql<string>`${row.action}::text`.as('action'),
          sql<string>`${row.actor}::text`.as('actor'),
          'queued.subject as account_id',
          sql<string | null>`${row.client_id}::text`.as('client_id'),
          sql<string | null>`${row.ip}::text`.as('ip'),
          sql<string | null>`${row.user_agent}::text`.as('user_agent'),
          sql<string>`${row.details}::jsonb`.as('details'),
        ]),
    )
    .returning('account_id')
    .executeTakeFirst();
  if (changed) auditEvents.inc({ action: audit.action });
  return changed !== undefined;
}

type AccountChange = UpdateQueryBuilder<Database, 'accounts', 'accounts', { id: string }>;
