import { z } from 'zod';
import { WEBHOOK_STATUSES, type WebhookEventSummary } from '../identity/webhook-events.js';
import { cursorSchema, limitSchema, pageSchema } from './pages.js';
import { Problem } from './problems.js';
import { route, type AnyRoute } from './route.js';

/*
 * The webhook outbox over HTTP (scope admin:webhooks), as `portico webhooks`: its events newest
 * first, and the replay of a dead-lettered one once its portal's endpoint works again.
 */

type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

const status = z.enum(WEBHOOK_STATUSES as [WebhookStatus, ...WebhookStatus[]]);
const date = z.iso.datetime();

const webhookEvent = z.object({
  id: z.string().describe('The event id, sent as Portico-Event-Id'),
  type: z.string(),
  sub: z.string().describe('The ID the event is about'),
  status,
  attempts: z.number().int().describe('Delivery attempts since it was written or last replayed'),
  created_at: date,
  finished_at: date.nullable().describe('When it was delivered or given up on'),
  last_error: z.string().nullable().describe('The last failure: endpoint and cause, never the body'),
  delivered_to: z.number().int().describe('Endpoints that acknowledged it'),
});

const event = (e: WebhookEventSummary): z.input<typeof webhookEvent> => ({
  id: e.id,
  type: e.eventType,
  sub: e.subject,
  status: e.status,
  attempts: e.attempts,
  created_at: e.createdAt.toISOString(),
  finished_at: e.finishedAt ? e.finishedAt.toISOString() : null,
  last_error: e.lastError,
  delivered_to: e.deliveredTo,
});

export const webhookRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/webhooks',
    operationId: 'webhooks_list',
    summary: 'Webhook events, newest first (with status=dead: those given up on), a page at a time',
    scope: 'admin:webhooks',
    query: z.object({ status: status.optional(), limit: limitSchema, cursor: cursorSchema }).strict(),
    response: pageSchema(webhookEvent),
    handle: async ({ query, deps }) => {
      const page = await deps.webhooks.page(query);
      return { items: page.items.map(event), next_cursor: page.nextCursor ?? null };
    },
  }),
  route({
    method: 'post',
    path: '/webhooks/{id}/replay',
    operationId: 'webhook_replay',
    summary: 'Send a dead-lettered event again: it is queued as new (no attempts) for the endpoints that did not acknowledge it; audited as operator.webhook_replay',
    scope: 'admin:webhooks',
    write: true,
    params: z.object({ id: z.string().uuid().describe('The event id') }).strict(),
    response: z.object({ id: z.string(), status: z.literal('pending') }),
    handle: async ({ params, deps, client }) => {
      const outcome = await deps.webhooks.replay(params.id, { adminClient: client });
      if (!outcome.ok && outcome.reason === 'not_found') throw new Problem('not-found', `No webhook event has the id "${params.id}".`);
      if (!outcome.ok) throw new Problem('not-dead', `The event is ${outcome.status}, not dead: only a dead event is replayed.`, { event_status: outcome.status });
      return { id: params.id, status: 'pending' as const };
    },
  }),
];
