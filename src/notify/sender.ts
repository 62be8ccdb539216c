import { mailDeliveries } from '../metrics/metrics.js';
import type { Logger } from '../log.js';
import type { Db } from '../storage/database.js';
import type { OutboxMail } from '../storage/schema.js';
import { claimDueMails, markFailed, markSent, scheduleRetry } from './outbox-queue.js';
import { backoffMs, startPoller } from './poller.js';
import type { MailTransport, OutgoingMail } from './transport.js';

export interface MailSenderOptions {
  db: Db;
  transport: MailTransport;
  log: Logger;
  /** How often to look for due mail. */
  intervalMs?: number;
  /** Mails claimed, and sent side by side, per round. */
  batchSize?: number;
  /** How long a claim lasts: longer than a send can take (see the SMTP timeouts in transport.ts). */
  lockMs?: number;
  /** Attempts before a mail is marked 'failed'. */
  maxAttempts?: number;
}

export interface MailSender {
  /** Stops polling, waits for the round in progress, closes the transport. */
  stop(): Promise<void>;
  /** Sends everything due now (tests; also what each poll does). */
  drain(): Promise<void>;
}

const DEFAULTS = { intervalMs: 2000, batchSize: 5, lockMs: 5 * 60_000, maxAttempts: 12 };
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;

/** Delay before attempt n+1: 30 s, 1 min, 2 min ... capped at 1 h, with ±20 % jitter so retries spread out. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  return backoffMs(attempts, FIRST_RETRY_MS, MAX_RETRY_MS, random);
}

/** An error as a short line for last_error and the log: code and reply, never the message sent. */
export function describeError(error: unknown): string {
  const { code, responseCode, message } = (error ?? {}) as { code?: string; responseCode?: number; message?: string };
  const prefix = [code, responseCode].filter(Boolean).join(' ');
  const text = `${prefix ? `${prefix}: ` : ''}${message ?? String(error)}`;
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

function outgoing(row: OutboxMail): OutgoingMail {
  return {
    id: row.id,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    template: row.template,
    messageId: row.message_id,
  };
}

/**
 * Delivers the outbox in the background. Any number of processes may run one: each mail is
 * claimed by one sender at a time, retried with backoff while SMTP fails, and picked up again
 * if the process holding it dies.
 */
export function startMailSender(options: MailSenderOptions): MailSender {
  const settings = { ...DEFAULTS, ...options };
  const { db, transport, log } = settings;
  const keep = { keepBody: transport.keepsSentBodies };

  const deliver = async (row: OutboxMail) => {
    const mail = { mailId: row.id, template: row.template, attempt: row.attempts };
    // Claimed again and again with no outcome: the senders holding it died (perhaps because of it).
    if (row.attempts > settings.maxAttempts) {
      await markFailed(db, row.id, 'abandoned: no sender finished it', keep);
      mailDeliveries.inc({ outcome: 'failed' });
      log.error({ mail }, 'mail not delivered: every sender that claimed it stopped');
      return;
    }
    try {
      await transport.send(outgoing(row));
    } catch (error) {
      const reason = describeError(error);
      if (row.attempts >= settings.maxAttempts) {
        await markFailed(db, row.id, reason, keep);
        mailDeliveries.inc({ outcome: 'failed' });
        log.error({ mail, reason }, 'mail not delivered: giving up after repeated failures');
        return;
      }
      const delay = retryDelayMs(row.attempts);
      await scheduleRetry(db, row.id, delay, reason);
      mailDeliveries.inc({ outcome: 'retry' });
      log.warn({ mail, reason, retryInSeconds: Math.round(delay / 1000) }, 'mail not delivered yet: will retry');
      return;
    }
    await markSent(db, row.id, keep);
    mailDeliveries.inc({ outcome: 'sent' });
    log.info({ mail }, 'mail sent');
  };

  const poller = startPoller({
    intervalMs: settings.intervalMs,
    claim: () => claimDueMails(db, { limit: settings.batchSize, lockMs: settings.lockMs }),
    handle: deliver,
    onError: (error) => log.warn({ reason: describeError(error) }, 'mail sender could not read the outbox'),
  });

  return {
    drain: poller.drain,
    stop: async () => {
      await poller.stop();
      transport.close();
    },
  };
}
