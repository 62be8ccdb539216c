import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import axe from 'axe-core';
import Koa from 'koa';
import { sql } from 'kysely';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { enqueueMail } from '../../src/notify/outbox.js';
import { claimDueMails } from '../../src/notify/outbox-queue.js';
import { retryDelayMs, startMailSender, type MailSender } from '../../src/notify/sender.js';
import { createTransport } from '../../src/notify/transport.js';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';
import { devOutboxRouter } from '../../src/web/dev-outbox.js';
import { createRenderer } from '../../src/web/render.js';
import { securityHeaders } from '../../src/web/security-headers.js';
import { assets } from '../../src/web/assets.js';
import { closedPort, TestSmtp } from '../support/smtp.js';

const LOOPBACK = '127.0.0.1';
const MAIL_FROM = 'Portico <no-reply@example.test>';
const ISSUER = 'http://localhost:3000';
const CODE = '0123456789';
const LINK = `${ISSUER}/register/verify?token=secret-link-token`;
const HOUR_MS = 3_600_000;

// ------------------------------------------------------------------------------ helpers

function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', { write: (line: string) => void lines.push(line) }), lines };
}

async function openMigrated(databaseUrl?: string): Promise<DatabaseHandle> {
  const handle = await openDatabase({ databaseUrl, dataDir: 'memory://' });
  await migrateToLatest(handle.db);
  return handle;
}

/** A fresh database portico_<random> on the DATABASE_URL server, dropped afterwards. */
async function freshPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `portico_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

const verifyEmail = (to: string) => ({ to, template: 'verify-email', data: { givenName: 'Ann', link: LINK, code: CODE } });

async function outbox(db: Db) {
  return db.selectFrom('mail_outbox').selectAll().orderBy('created_at').execute();
}

// ---------------------------------------------------------------------- the sender, per database

interface Backend {
  name: string;
  open(): Promise<{ primary: DatabaseHandle; second: DatabaseHandle; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'PGlite',
    // One in-memory database cannot be opened twice: the "second process" shares the handle.
    open: async () => {
      const primary = await openMigrated();
      return { primary, second: primary, close: () => primary.close() };
    },
  },
];
if (process.env.DATABASE_URL) {
  const adminUrl = process.env.DATABASE_URL;
  backends.push({
    name: 'PostgreSQL',
    // Two pools on one database: two processes as far as locking is concerned.
    open: async () => {
      const database = await freshPostgres(adminUrl);
      const primary = await openMigrated(database.url);
      const second = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://' });
      return {
        primary,
        second,
        close: async () => {
          await second.close();
          await primary.close();
          await database.drop();
        },
      };
    },
  });
}

describe.each(backends)('mail outbox on $name', (backend) => {
  let handles: Awaited<ReturnType<Backend['open']>>;
  let db: Db;
  let smtp: TestSmtp;
  let senders: MailSender[] = [];
  let logLines: string[] = [];

  const sender = (options: { smtpUrl?: string; db?: Db; production?: boolean } = {}) => {
    const { log, lines } = captureLog();
    logLines = lines;
    const transport = createTransport({ smtpUrl: 'smtpUrl' in options ? options.smtpUrl : smtp.url, mailFrom: MAIL_FROM, issuer: ISSUER, production: options.production }, log);
    // Polling is left to drain(): the test decides when a round runs.
    const started = startMailSender({ db: options.db ?? db, transport, log, intervalMs: HOUR_MS });
    senders.push(started);
    return started;
  };

  beforeAll(async () => {
    handles = await backend.open();
    db = handles.primary.db;
    smtp = await TestSmtp.start();
  });
  afterAll(async () => {
    await smtp?.close();
    await handles?.close();
  });
  beforeEach(async () => {
    await db.deleteFrom('mail_outbox').execute();
    smtp.received.length = 0;
    smtp.down = false;
  });
  afterEach(async () => {
    await Promise.all(senders.map((s) => s.stop()));
    senders = [];
    // Whatever happened, no log line may carry a body, a code or a link token.
    for (const line of logLines) {
      expect(line).not.toContain(CODE);
      expect(line).not.toContain('secret-link-token');
    }
  });

  it('queues nothing when the transaction that asked for the mail rolls back', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueMail(trx, verifyEmail('ann@example.com'));
        throw new Error('the registration failed');
      }),
    ).rejects.toThrow('the registration failed');
    await sender().drain();
    expect(await outbox(db)).toHaveLength(0);
    expect(smtp.received).toHaveLength(0);
  });

  it('delivers a committed mail exactly once, with To, Subject, Message-ID, text and HTML', async () => {
    await db.transaction().execute((trx) => enqueueMail(trx, { ...verifyEmail('ann@example.com'), accountId: 'acc-1' }));
    const mailer = sender();
    await mailer.drain();
    await mailer.drain();

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    const [row] = await outbox(db);
    expect(mail.to).toEqual(['ann@example.com']);
    expect(mail.header('To')).toBe('ann@example.com');
    expect(mail.header('From')).toBe(MAIL_FROM);
    expect(mail.header('Subject')).toBe('Confirm your email address for Portico');
    expect(mail.header('Message-ID')).toBe(`<${row!.message_id}@example.test>`);
    expect(mail.header('Content-Type')).toMatch(/^multipart\/alternative/);
    expect(mail.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail.raw).toMatch(/Content-Type: text\/html/);
    // The code and the link appear in both parts.
    expect(mail.decoded.split(CODE).length - 1).toBeGreaterThanOrEqual(2);
    expect(mail.decoded).toContain(LINK);

    expect(row).toMatchObject({ status: 'sent', attempts: 1, account_id: 'acc-1', locked_until: null, last_error: null });
    expect(row!.sent_at).toBeInstanceOf(Date);
  });

  it('keeps who, what and when of a mail SMTP took, but not its body with the code and link', async () => {
    await enqueueMail(db, { ...verifyEmail('abe@example.com'), accountId: 'acc-2' });
    const [queued] = await outbox(db);
    expect(queued!.text_body).toContain(CODE);
    await sender().drain();
    expect(smtp.received).toHaveLength(1);
    const [row] = await outbox(db);
    expect(row).toMatchObject({ status: 'sent', to_address: 'abe@example.com', template: 'verify-email', subject: 'Confirm your email address for Portico', account_id: 'acc-2', message_id: queued!.message_id, text_body: '', html_body: '' });
    expect(row!.sent_at).toBeInstanceOf(Date);
    expect(JSON.stringify(row)).not.toContain(CODE);
    expect(JSON.stringify(row)).not.toContain('secret-link-token');
  });

  it('delivers from the background poll, and stops cleanly', async () => {
    const { log } = captureLog();
    const transport = createTransport({ smtpUrl: smtp.url, mailFrom: MAIL_FROM, issuer: ISSUER }, log);
    const polling = startMailSender({ db, transport, log, intervalMs: 50 });
    try {
      await enqueueMail(db, verifyEmail('pat@example.com'));
      await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 5000, interval: 25 });
    } finally {
      await polling.stop();
    }
    await enqueueMail(db, verifyEmail('quin@example.com'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps a mail pending with a later retry while SMTP refuses, then delivers it once', async () => {
    smtp.down = true;
    await enqueueMail(db, verifyEmail('bob@example.com'));
    const mailer = sender();
    await mailer.drain();

    let [row] = await outbox(db);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, locked_until: null });
    expect(row!.last_error).toContain('421');
    expect(row!.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(smtp.received).toHaveLength(0);

    // Back up, but the retry is not due yet: nothing is sent early.
    smtp.down = false;
    await mailer.drain();
    expect(smtp.received).toHaveLength(0);

    // Time passes.
    await db.updateTable('mail_outbox').set({ next_attempt_at: sql<Date>`now() - interval '1 second'` }).execute();
    await mailer.drain();
    await mailer.drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['bob@example.com']);
    [row] = await outbox(db);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  it('retries when nothing listens at the SMTP address', async () => {
    await enqueueMail(db, verifyEmail('cy@example.com'));
    await sender({ smtpUrl: `smtp://${LOOPBACK}:${await closedPort()}` }).drain();
    const [row] = await outbox(db);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.last_error).toMatch(/ECONNREFUSED/);
    expect(row!.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('gives up after the last attempt and logs it without the body', async () => {
    smtp.down = true;
    await enqueueMail(db, verifyEmail('dee@example.com'));
    await db.updateTable('mail_outbox').set({ attempts: 11 }).execute();
    await sender().drain();
    const [row] = await outbox(db);
    // Never sent, never to be: the code and link in it go too.
    expect(row).toMatchObject({ status: 'failed', attempts: 12, text_body: '', html_body: '' });
    const given = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((l) => l.level === 50);
    expect(given?.msg).toMatch(/giving up/);
  });

  it('gives up on a mail whose senders keep dying, without sending it again', async () => {
    await enqueueMail(db, verifyEmail('ivy@example.com'));
    await db
      .updateTable('mail_outbox')
      .set({ status: 'sending', attempts: 12, locked_until: sql<Date>`now() - interval '1 second'` })
      .execute();
    await sender().drain();
    expect(smtp.received).toHaveLength(0);
    expect((await outbox(db))[0]).toMatchObject({ status: 'failed', attempts: 13 });
  });

  it('sends each mail once when two senders on two connections drain at the same time', async () => {
    const addresses = Array.from({ length: 24 }, (_, i) => `user${i}@example.com`);
    await db.transaction().execute(async (trx) => {
      for (const to of addresses) await enqueueMail(trx, verifyEmail(to));
    });
    const first = sender();
    const second = sender({ db: handles.second.db });
    await Promise.all([first.drain(), second.drain(), first.drain(), second.drain()]);

    expect(smtp.received).toHaveLength(addresses.length);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...addresses].sort());
    expect(new Set(smtp.received.map((m) => m.header('Message-ID'))).size).toBe(addresses.length);
    const rows = await outbox(db);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('never hands one mail to two claims, however many run at once', async () => {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 60; i += 1) await enqueueMail(trx, verifyEmail(`claim${i}@example.com`));
    });
    const dbs = [db, handles.second.db];
    const claims = await Promise.all(
      Array.from({ length: 16 }, (_, i) => claimDueMails(dbs[i % 2]!, { limit: 5, lockMs: 60_000 })),
    );
    const ids = claims.flat().map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(60);
  });

  it('picks up a mail left in sending by a crashed process once its lock expires, and not before', async () => {
    await enqueueMail(db, verifyEmail('eve@example.com'));
    await enqueueMail(db, verifyEmail('fay@example.com'));
    await db
      .updateTable('mail_outbox')
      .set({ status: 'sending', attempts: 1, locked_until: sql<Date>`now() - interval '1 second'` })
      .where('to_address', '=', 'eve@example.com')
      .execute();
    await db
      .updateTable('mail_outbox')
      .set({ status: 'sending', attempts: 1, locked_until: sql<Date>`now() + interval '5 minutes'` })
      .where('to_address', '=', 'fay@example.com')
      .execute();
    await sender().drain();

    expect(smtp.received.map((m) => m.to[0])).toEqual(['eve@example.com']);
    const rows = await outbox(db);
    expect(rows.find((r) => r.to_address === 'eve@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(rows.find((r) => r.to_address === 'fay@example.com')).toMatchObject({ status: 'sending', attempts: 1 });
  });

  it('without SMTP_URL, "delivers" to the dev outbox: a log line with the subject, never the body', async () => {
    await enqueueMail(db, verifyEmail('gus@example.com'));
    await sender({ smtpUrl: undefined }).drain();
    const [row] = await outbox(db);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    // The dev outbox is where developers (and the tests) read the code: the body stays.
    expect(row!.text_body).toContain(CODE);
    expect(smtp.received).toHaveLength(0);
    const kept = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.msg === 'mail kept in the dev outbox');
    expect(kept).toMatchObject({
      mail: { id: row!.id, to: 'gus@example.com', subject: 'Confirm your email address for Portico', template: 'verify-email' },
      view: `${ISSUER}/dev/outbox/${row!.id}`,
    });
  });

  it('in production without SMTP_URL keeps no body either: there is no /dev/outbox to read it', async () => {
    await enqueueMail(db, verifyEmail('hank@example.com'));
    await sender({ smtpUrl: undefined, production: true }).drain();
    expect((await outbox(db))[0]).toMatchObject({ status: 'sent', to_address: 'hank@example.com', text_body: '', html_body: '' });
  });
});

describe('retry schedule', () => {
  it('doubles from 30 s, caps at an hour, and spreads retries by ±20 %', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, middle))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20, middle)).toBe(HOUR_MS);
    expect(retryDelayMs(1, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, () => 1)).toBe(36_000);
  });
});

// ------------------------------------------------------------------------------ /dev/outbox

function outboxApp(db: Db, production: boolean): Koa {
  const app = new Koa();
  app.use(securityHeaders({ secure: false, formTargets: [] }));
  app.use(assets());
  app.use(devOutboxRouter({ db, renderer: createRenderer({ production }), production }).routes());
  return app;
}

describe('templates and /dev/outbox', () => {
  let handle: DatabaseHandle;
  let mailId: string;

  beforeAll(async () => {
    handle = await openMigrated();
  });
  beforeEach(async () => {
    await handle.db.deleteFrom('mail_outbox').execute();
    await enqueueMail(handle.db, verifyEmail('hal@example.com'));
    mailId = (await outbox(handle.db))[0]!.id;
  });
  afterAll(() => handle?.close());

  it('refuses an unknown template, so the caller’s transaction rolls back', async () => {
    await expect(
      handle.db.transaction().execute((trx) => enqueueMail(trx, { to: 'a@example.com', template: 'no-such-mail', data: {} })),
    ).rejects.toThrow();
    expect(await outbox(handle.db)).toHaveLength(1);
  });

  it('renders registration-attempt with sign-in and recovery links', async () => {
    await enqueueMail(handle.db, {
      to: 'owner@example.com',
      template: 'registration-attempt',
      data: { signInUrl: `${ISSUER}/sign-in`, recoverUrl: `${ISSUER}/recover` },
    });
    const row = (await outbox(handle.db)).find((r) => r.to_address === 'owner@example.com');
    expect(row!.subject).toBe('Someone tried to create a Portico ID with your email address');
    for (const body of [row!.text_body, row!.html_body]) {
      expect(body).toContain(`${ISSUER}/sign-in`);
      expect(body).toContain(`${ISSUER}/recover`);
    }
  });

  it('lists queued mail outside production', async () => {
    const res = await request(outboxApp(handle.db, false).callback()).get('/dev/outbox').expect(200);
    expect(res.text).toContain('hal@example.com');
    expect(res.text).toContain('Confirm your email address for Portico');
    expect(res.text).toContain(`href="/dev/outbox/${mailId}"`);
  });

  it('shows one mail: the text body, and the HTML body sandboxed', async () => {
    const app = outboxApp(handle.db, false).callback();
    const page = await request(app).get(`/dev/outbox/${mailId}`).expect(200);
    expect(page.text).toContain(CODE);
    // Framed from its own route: a srcdoc frame would inherit the page's policy, which blocks the mail's inline styles.
    expect(page.text).toMatch(new RegExp(`<iframe[^>]*sandbox=""[^>]*src="/dev/outbox/${mailId}/html"`));
    expect(page.headers['content-security-policy']).toContain("frame-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const html = await request(app).get(`/dev/outbox/${mailId}/html`).expect(200);
    expect(html.headers['content-security-policy']).toMatch(/sandbox/);
    expect(html.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(html.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(html.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(html.text).toContain(CODE);
    await request(app).get('/dev/outbox/no-such-mail').expect(404);
  });

  it('does not exist in production', async () => {
    const app = outboxApp(handle.db, true).callback();
    await request(app).get('/dev/outbox').expect(404);
    await request(app).get(`/dev/outbox/${mailId}`).expect(404);
    await request(app).get(`/dev/outbox/${mailId}/html`).expect(404);
  });

  const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  it.skipIf(!existsSync(browser))('passes axe (WCAG 2.1 AA): the list, the message page and the mail itself', async () => {
    const server = outboxApp(handle.db, false).listen(0, LOOPBACK);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
    const chrome = await chromium.launch({ executablePath: browser });
    try {
      const page = await (await chrome.newContext()).newPage();
      for (const path of ['/dev/outbox', `/dev/outbox/${mailId}`]) {
        await page.goto(`${base}${path}`);
        expect(await axeViolations(page)).toEqual([]);
      }
      // The preview shows the mail with its inline styles, and the list fits its card on a phone.
      const frame = page.frameLocator('iframe.mail-html');
      await expect(frame.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor)).resolves.toBe('rgb(244, 246, 248)');
      await enqueueMail(handle.db, verifyEmail('a.very.long.address.that.has.no.place.to.break@subdomain.example.com'));
      await page.setViewportSize({ width: 360, height: 700 });
      await page.goto(`${base}/dev/outbox`);
      await expect(page.locator('main').evaluate((main) => main.scrollWidth <= main.clientWidth)).resolves.toBe(true);
      // The mail as a mail client shows it (the dev page only frames it, sandboxed).
      await page.setContent((await outbox(handle.db))[0]!.html_body);
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await chrome.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/**
 * axe-core run in the page itself. Frames are left out: the framed mail is sandboxed (no
 * script can run in it), and is checked on its own above.
 */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  return page.evaluate(async (tags) => {
    const results = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      iframes: false,
      runOnly: { type: 'tag', values: tags },
    });
    return results.violations.map((v) => `${location.pathname}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }, ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
}
