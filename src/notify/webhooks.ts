import type { ClientsConfig } from '../config/clients.js';
import type { Policy } from '../config/policy.js';
import type { Logger } from '../log.js';
import { webhookDeliveries } from '../metrics/metrics.js';
import type { Db } from '../storage/database.js';
import type { OutboxEvent } from '../storage/schema.js';
import { backoffMs, startPoller, type Poller } from './poller.js';
import { claimDueEvents, markDead, markDelivered, scheduleEventRetry } from './webhook-queue.js';
import { signWebhook } from './webhook-signature.js';

/** One endpoint of one portal, with its secret read (config/client-secrets.ts). */
export interface WebhookTarget {
  clientId: string;
  url: string;
  secret: string;
  events: readonly string[];
}

/** The endpoints of the clients in force: a reload of the clients file applies to the next delivery. */
export function webhookTargets(clients: ClientsConfig): WebhookTarget[] {
  return [...clients.settings].flatMap(([clientId, settings]) =>
    (settings.webhooks ?? []).flatMap((hook) => (hook.secret ? [{ clientId, url: hook.url, secret: hook.secret, events: hook.events }] : [])),
  );
}

const endpointKey = (target: WebhookTarget) => `${target.clientId} ${target.url}`;

/**
 * The body, the same bytes at every attempt. Only the subject: the portal asks userinfo (or
 * its own records) for the rest, so no address or name travels in an event.
 */
export function eventBody(row: Pick<OutboxEvent, 'id' | 'event_type' | 'created_at' | 'subject'>, issuer: string): string {
  return JSON.stringify({ id: row.id, type: row.event_type, occurred_at: new Date(row.created_at).toISOString(), iss: issuer, sub: row.subject });
}

/** A failure as a short line for last_error and the log: the endpoint and what went wrong, never the body. */
function describeFailure(target: WebhookTarget, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const text = cause ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  return `${target.clientId} ${target.url}: ${text}`.replace(/\s+/g, ' ').slice(0, 300);
}

export interface WebhookSenderOptions {
  db: Db;
  log: Logger;
  issuer: string;
  targets: () => WebhookTarget[];
  policy: Policy['webhooks'];
}

const BATCH_SIZE = 10;

/**
 * Delivers the webhook outbox in the background, at least once: an event leaves the queue when
 * every endpoint that takes it answered 2xx, is retried with backoff while one fails, and is
 * dead-lettered after max_attempts. Any number of processes may run one (the claim is shared).
 */
export function startWebhookSender(options: WebhookSenderOptions): Poller {
  const { db, log, issuer, policy } = options;
  const timeoutMs = policy.timeout_seconds * 1000;
  // Every endpoint of a claimed event is posted to side by side, each within the timeout.
  const lockMs = 2 * timeoutMs + 1000;

  const post = async (target: WebhookTarget, row: OutboxEvent): Promise<string | undefined> => {
    const body = eventBody(row, issuer);
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Portico-Webhooks/1',
          'portico-event-id': row.id,
          'portico-timestamp': String(timestamp),
          'portico-signature': signWebhook(target.secret, timestamp, body),
        },
        body,
        // A redirect is not an acknowledgement: the event is not followed to another address.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? undefined : `${target.clientId} ${target.url}: HTTP ${response.status}`;
    } catch (error) {
      return describeFailure(target, error);
    }
  };

  const deliver = async (row: OutboxEvent) => {
    const event = { eventId: row.id, type: row.event_type, attempt: row.attempts };
    const delivered: string[] = JSON.parse(row.delivered_to);
    // Claimed again and again with no outcome: the senders holding it died (perhaps because of it).
    if (row.attempts > policy.max_attempts) {
      await markDead(db, row.id, 'abandoned: no sender finished it', delivered);
      webhookDeliveries.inc({ outcome: 'dead' });
      log.error({ event }, 'webhook event not delivered: every sender that claimed it stopped');
      return;
    }
    const due = options.targets().filter((t) => t.events.includes(row.event_type) && !delivered.includes(endpointKey(t)));
    const failures: string[] = [];
    await Promise.all(
      due.map(async (target) => {
        const failure = await post(target, row);
        if (failure) failures.push(failure);
        else delivered.push(endpointKey(target));
      }),
    );
    if (failures.length === 0) {
      await markDelivered(db, row.id, delivered);
      // An event no portal takes leaves the queue quietly.
      if (due.length === 0) return;
      webhookDeliveries.inc({ outcome: 'delivered' });
      log.info({ event }, 'webhook event delivered');
      return;
    }
    const reason = failures.join('; ');
    if (row.attempts >= policy.max_attempts) {
      await markDead(db, row.id, reason, delivered);
      webhookDeliveries.inc({ outcome: 'dead' });
      log.error({ event, reason }, 'webhook event not delivered: giving up after repeated failures');
      return;
    }
    const delay = backoffMs(row.attempts, policy.first_retry_seconds * 1000, policy.max_retry_minutes * 60_000);
    await scheduleEventRetry(db, row.id, delay, reason, delivered);
    webhookDeliveries.inc({ outcome: 'retry' });
    log.warn({ event, reason, retryInSeconds: Math.round(delay / 1000) }, 'webhook event not delivered yet: will retry');
  };

  return startPoller({
    intervalMs: policy.poll_interval_seconds * 1000,
    claim: () => claimDueEvents(db, { limit: BATCH_SIZE, lockMs }),
    handle: deliver,
    onError: (error) => log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'webhook sender could not read the outbox'),
  });
}
