import Router from '@koa/router';
import type { Context } from 'koa';
import type { Db } from '../storage/database.js';
import { notFound } from './own-paths.js';
import { sendPage, type Renderer } from './render.js';

export interface DevOutboxDeps {
  db: Db;
  renderer: Renderer;
  production: boolean;
}

const RECENT = 50;

/*
 * The rendered mail is served from its own route with its own policy: a mail's styles are
 * inline (mail clients strip style sheets), which the pages' policy forbids, and a srcdoc frame
 * would inherit that policy. No script, no form, no same-origin access (sandbox), and only the
 * message page of this origin may frame it.
 */
const MAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox";

const when = (date: Date | null) => (date ? { iso: date.toISOString(), text: date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' } : null);

/**
 * /dev/outbox: the mail Portico queued, readable in a browser when no SMTP server is at hand,
 * and the texts and calls it made when no Twilio account is configured.
 * Codes and links are in these bodies, so in production the router has no routes at all.
 */
export function devOutboxRouter(deps: DevOutboxDeps): Router {
  const router = new Router();
  if (deps.production) return router;
  router.get('/dev/outbox', (ctx) => listPage(ctx, deps));
  router.get('/dev/outbox/:id', (ctx) => messagePage(ctx, deps, ctx.params.id!));
  router.get('/dev/outbox/:id/html', (ctx) => htmlBody(ctx, deps, ctx.params.id!));
  return router;
}

async function listPage(ctx: Context, deps: DevOutboxDeps): Promise<void> {
  const rows = await deps.db
    .selectFrom('mail_outbox')
    .select(['id', 'to_address', 'subject', 'status', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(RECENT)
    .execute();
  const mails = rows.map((row) => ({ id: row.id, to: row.to_address, subject: row.subject, status: row.status, created: when(row.created_at) }));
  // Texts and calls (the phone second step without Twilio): their bodies are on this page, below the mail.
  const phoneRows = await deps.db.selectFrom('phone_outbox').select(['to_number', 'channel', 'body', 'status', 'created_at']).orderBy('created_at', 'desc').orderBy('id').limit(RECENT).execute();
  const phones = phoneRows.map((row) => ({ to: row.to_number, channel: row.channel, body: row.body, status: row.status, created: when(row.created_at) }));
  sendPage(ctx, deps.renderer, 'dev-outbox', { mails, phones });
}

async function messagePage(ctx: Context, deps: DevOutboxDeps, id: string): Promise<void> {
  const row = await deps.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  const mail = { ...row, created: when(row.created_at), sent: when(row.sent_at) };
  // The page's own policy, plus framing this origin's mail route for the preview.
  const csp = ctx.response.get('Content-Security-Policy');
  if (csp) ctx.set('Content-Security-Policy', `${csp}; frame-src 'self'`);
  sendPage(ctx, deps.renderer, 'dev-outbox-message', { mail });
}

async function htmlBody(ctx: Context, deps: DevOutboxDeps, id: string): Promise<void> {
  const row = await deps.db.selectFrom('mail_outbox').select('html_body').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  ctx.set('Content-Security-Policy', MAIL_HTML_CSP);
  ctx.set('X-Frame-Options', 'SAMEORIGIN');
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = row.html_body;
}
