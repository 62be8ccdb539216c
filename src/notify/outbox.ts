import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import { renderMail } from './templates.js';
import { mailsQueued } from '../metrics/metrics.js';
import { defaultLocale, isLocale, type Locale } from '../i18n/index.js';
import { requestLocale } from '../i18n/request-locale.js';

export interface MailRequest {
  to: string;
  /** A template in views/mail: `<template>.text.eta` and `<template>.html.eta`. */
  template: string;
  data: Record<string, unknown>;
  accountId?: string;
  /**
   * 'account': the mail goes to an account's owner who is not the person on the page (someone
   * else typed their address): in the owner's kept language, which that page does not change.
   */
  language?: 'page' | 'account';
}

/**
 * Renders a mail and queues it for the sender. Pass the transaction of the change that caused
 * the mail: it then exists if and only if that change commits, and is delivered even if SMTP
 * is down right now or this process dies before sending it.
 */
export async function enqueueMail(db: Db, mail: MailRequest): Promise<void> {
  const rendered = renderMail(mail.template, mail.to, mail.data, await mailLocale(db, mail.accountId, mail.language ?? 'page'));
  mailsQueued.inc({ template: mail.template });
  await db
    .insertInto('mail_outbox')
    .values({
      id: randomUUID(),
      to_address: mail.to,
      template: mail.template,
      subject: rendered.subject,
      text_body: rendered.text,
      html_body: rendered.html,
      account_id: mail.accountId ?? null,
      message_id: randomUUID(),
    })
    .execute();
}

/**
 * When the oldest of the last `max` mails of these templates to `to` inside the window leaves
 * it, or undefined while fewer than `max` were queued in the window: a per-address cap for mails
 * that anyone can trigger towards any address (OWASP ASVS 4.0 11.1.4).
 */
export async function addressCapFreesAt(db: Db, to: string, templates: string[], max: number, windowMs: number, now = new Date()): Promise<Date | undefined> {
  if (max <= 0) return undefined;
  const since = new Date(now.getTime() - windowMs);
  const rows = await db
    .selectFrom('mail_outbox')
    .select('created_at')
    .where(sql`lower(to_address)`, '=', to.toLowerCase())
    .where('template', 'in', templates)
    .where('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .limit(max)
    .execute();
  if (rows.length < max) return undefined;
  return new Date(rows[rows.length - 1]!.created_at.getTime() + windowMs);
}

/**
 * A mail speaks the language of the page that caused it, and that language is kept on the
 * account; a mail no page caused (help desk, CLI) uses the kept one, else English.
 */
async function mailLocale(db: Db, accountId: string | undefined, language: 'page' | 'account'): Promise<Locale> {
  const fromPage = language === 'page' ? requestLocale() : undefined;
  if (!accountId) return fromPage ?? defaultLocale;
  if (fromPage) {
    // No row lock unless the language really changes.
    await db.updateTable('accounts').set({ locale: fromPage }).where('id', '=', accountId).where(sql<boolean>`locale is distinct from ${fromPage}`).execute();
    return fromPage;
  }
  const row = await db.selectFrom('accounts').select('locale').where('id', '=', accountId).executeTakeFirst();
  return isLocale(row?.locale) ? row.locale : defaultLocale;
}
