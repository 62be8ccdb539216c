import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.js';
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
