import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/*
 * Portico's Prometheus series, in one registry of this process (not prom-client's global one).
 * Code that has something to count imports the metric it moves; the registry is served on
 * METRICS_PORT (metrics/server.ts), never on the public port. Labels are bounded sets (audit
 * actions, templates, route patterns, status codes): never usernames, addresses or ids.
 */

export const registry = new Registry();
// Event-loop lag, heap, GC and CPU: prom-client's process series (nodejs_eventloop_lag_seconds, ...).
collectDefaultMetrics({ register: registry, prefix: 'portico_' });

export const httpRequests = new Histogram({
  name: 'portico_http_request_duration_seconds',
  help: 'HTTP requests by method, route pattern and status, and how long they took',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Every audit event as it is written: sign-ins (sign_in.succeeded / sign_in.failed), locks (account.locked), codes, changes. */
export const auditEvents = new Counter({ name: 'portico_audit_events_total', help: 'Audit events written, by action', labelNames: ['action'] as const, registers: [registry] });

export const mailsQueued = new Counter({ name: 'portico_mails_queued_total', help: 'Mails queued in the outbox, by template', labelNames: ['template'] as const, registers: [registry] });
export const mailDeliveries = new Counter({
  name: 'portico_mail_deliveries_total',
  help: 'Mail delivery attempts by outcome: sent, retry (will be tried again) or failed (given up)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: 'portico_webhook_deliveries_total',
  help: 'Webhook events by outcome: delivered (every endpoint acknowledged), retry (will be tried again) or dead (given up)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const dbQueries = new Histogram({
  name: 'portico_db_query_duration_seconds',
  help: 'Database statements of request work and how long they took (errors included)',
  labelNames: ['outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  registers: [registry],
});

export const argon2InFlight = new Gauge({ name: 'portico_argon2_in_flight', help: 'argon2id hashes and verifications running or queued for the thread pool', registers: [registry] });

/** A gauge read from a store when scraped; `readFrom` is called by whoever owns the store (the last one wins). */
export interface SampledGauge {
  readFrom(read: () => Promise<number> | number): void;
}

function sampledGauge(name: string, help: string): SampledGauge {
  let source: (() => Promise<number> | number) | undefined;
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      try {
        if (source) this.set(await source());
      } catch {
        // A store that cannot answer leaves the series out of this scrape rather than failing it.
        this.reset();
      }
    },
  });
  return { readFrom: (read) => void (source = read) };
}

export const outboxPending = sampledGauge('portico_mail_outbox_pending', 'Mails queued and not yet sent or given up');
export const webhookOutboxPending = sampledGauge('portico_webhook_outbox_pending', 'Webhook events not yet delivered nor given up');
export const webhookOutboxOldestSeconds = sampledGauge('portico_webhook_outbox_oldest_seconds', 'How long the oldest undelivered webhook event has waited');
export const poolConnections = sampledGauge('portico_db_pool_connections', 'PostgreSQL request-pool connections open');
export const poolIdle = sampledGauge('portico_db_pool_idle', 'PostgreSQL request-pool connections idle');
export const poolWaiting = sampledGauge('portico_db_pool_waiting', 'Queries waiting for a PostgreSQL request-pool connection');
