import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { OutboxMail } from '../storage/schema.js';

/*
 * The outbox as a work queue shared by every process. A claim is one statement, so it is atomic
 * on PostgreSQL and PGlite alike: rows another process is claiming right now are skipped, and a
 * claimed row stays invisible to others until its lock expires (which is how a crashed
 * process's mail comes back).
 */

/** Takes up to `limit` due mails, marks them 'sending' until now + lockMs, and counts the attempt. */
export function claimDueMails(db: Db, options: { limit: number; lockMs: number }): Promise<OutboxMail[]> {
  return claimDue<OutboxMail>(db, 'mail_outbox', options);
}

/** The same claim on any outbox table with status, attempts, next_attempt_at and locked_until (webhook_outbox too). */
export async function claimDue<T>(db: Db, table: 'mail_outbox' | 'webhook_outbox', options: { limit: number; lockMs: number }): Promise<T[]> {
  const { rows } = await sql<T>`
    update ${sql.table(table)}
    set status = 'sending',
        attempts = attempts + 1,
        locked_until = now() + make_interval(secs => ${options.lockMs / 1000}::double precision)
    where id in (
      select id from ${sql.table(table)}
      where (status = 'pending' and next_attempt_at <= now())
         or (status = 'sending' and locked_until < now())
      order by next_attempt_at
      limit ${options.limit}
      for update skip locked
    )
    returning *`.execute(db);
  return rows;
}

/** Bodies are blanked unless kept (see MailTransport.keepsSentBodies); who, what and when stay. */
const blankBodies = { text_body: '', html_body: '' } as const;

export async function markSent(db: Db, id: string, options: { keepBody: boolean }): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ status: 'sent', sent_at: sql<Date>`now()`, locked_until: null, last_error: null, ...(options.keepBody ? {} : blankBodies) })
    .where('id', '=', id)
    .execute();
}

export async function scheduleRetry(db: Db, id: string, delayMs: number, error: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({
      status: 'pending',
      locked_until: null,
      last_error: error,
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000}::double precision)`,
    })
    .where('id', '=', id)
    .execute();
}

/** A mail given up on is never sent: its body (codes, links) goes as a sent one's does. */
export async function markFailed(db: Db, id: string, error: string, options: { keepBody: boolean }): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ status: 'failed', locked_until: null, last_error: error, ...(options.keepBody ? {} : blankBodies) })
    .where('id', '=', id)
    .execute();
}
