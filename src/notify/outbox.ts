import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.js';
import { renderMail } from './templates.js';

export interface MailRequest {
  to: string;
  /** A template in views/mail: `<template>.text.eta` and `<template>.html.eta`. */
  template: string;
  data: Record<string, unknown>;
  accountId?: string;
}

/**
 * Renders a mail and queues it for the sender. Pass the transaction of the change that caused
 * the mail: it then exists if and only if that change commits, and is delivered even if SMTP
 * is down right now or this process dies before sending it.
 */
export async function enqueueMail(db: Db, mail: MailRequest): Promise<void> {
  const rendered = renderMail(mail.template, mail.to, mail.data);
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
