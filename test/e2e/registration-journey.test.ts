import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, signInOnHostedPage } from '../support/browser.js';
import { clients, portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import { TestSmtp, type ReceivedMail } from '../support/smtp.js';
import { waitUntil } from '../support/wait.js';
import { fillRegistration, newPerson, setSecurityQuestions } from '../support/journeys.js';

/*
 * Registration end to end: Debian's Chromium on the hosted pages, the mail read from a
 * real SMTP server on loopback (smtp-server), and the portal's side played by openid-client.
 */

const activationCode = (mail: ReceivedMail) => /\b(\d{10})\b/.exec(mail.decoded)![1]!;
const activationLink = (mail: ReceivedMail, issuer: string) => new RegExp(`${issuer}/verify-email/confirm\\?token=[A-Za-z0-9_-]{43}`).exec(mail.decoded)![0];

describe('creating an ID in a real browser, with the email read over SMTP', () => {
  let smtp: TestSmtp;
  let portal: BrowserHarness['portal'];
  let portico: TestPortico;
  let browser: Browser;
  useBrowserHarness((started) => ({ smtp, portal, portico, browser } = started), { env: { MAIL_FROM: 'Portico <no-reply@portico.test>' } });

  async function startAtPortal() {
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin) });
    const page = await (await browser.newContext()).newPage();
    await page.goto(request.url);
    await page.getByRole('link', { name: 'Create an ID' }).click();
    await page.getByRole('heading', { name: 'Create an ID' }).waitFor();
    return { rp, request, page };
  }

  async function expectSignedInAtPortal(rp: RelyingParty, request: Awaited<ReturnType<RelyingParty['authorizationRequest']>>, page: Page, person: ReturnType<typeof newPerson>) {
    await page.waitForURL(`${portal.origin}/**`);
    expect(await page.getByRole('heading').textContent()).toBe('Signed in');
    const tokens = await rp.exchange(page.url(), request);
    expect(tokens.claims()).toMatchObject({ email: person.email, email_verified: true, preferred_username: person.username, given_name: 'Ana' });
  }

  it('registers from a portal, types the code from the email, sets security questions, and returns to the portal signed in', async () => {
    const { rp, request, page } = await startAtPortal();
    const person = newPerson();
    await fillRegistration(page, person);
    expect(await accessibilityViolations(page)).toEqual([]);

    const [mail] = await smtp.mailsTo(person.email);
    expect(mail!.header('Subject')).toMatch(/verify|confirm|activat/i);
    await page.getByLabel('Activation code').fill(activationCode(mail!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Set your security questions' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await setSecurityQuestions(page);
    await expectSignedInAtPortal(rp, request, page, person);
  });

  it('opens the link from the email in the same browser and returns to the portal signed in', async () => {
    const { rp, request, page } = await startAtPortal();
    const person = newPerson();
    await fillRegistration(page, person);
    const [mail] = await smtp.mailsTo(person.email);
    await page.goto(activationLink(mail!, portico.url));
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await setSecurityQuestions(page);
    await expectSignedInAtPortal(rp, request, page, person);
  });

  it('opened in another browser, the link asks for the ID\'s password before it verifies anything', async () => {
    const { page } = await startAtPortal();
    const person = newPerson();
    await fillRegistration(page, person);
    const [mail] = await smtp.mailsTo(person.email);
    // Whoever reads the mail elsewhere (the address's owner, if someone else registered it).
    const elsewhere = await (await browser.newContext()).newPage();
    await elsewhere.goto(activationLink(mail!, portico.url));
    await elsewhere.getByRole('button', { name: 'Confirm my email address' }).click();
    await elsewhere.getByText('Enter the password of this ID.').waitFor();
    expect(await accessibilityViolations(elsewhere)).toEqual([]);
    const account = () => portico.server.database.db.selectFrom('accounts').select('email_verified_at').where('username', '=', person.username).executeTakeFirstOrThrow();
    expect((await account()).email_verified_at).toBeNull();
    await elsewhere.getByLabel('Password of the ID').fill(person.password);
    await elsewhere.getByRole('button', { name: 'Confirm my email address' }).click();
    await expect(elsewhere.getByText('ID is ready to use').isVisible()).resolves.toBe(true);
    expect((await account()).email_verified_at).toBeInstanceOf(Date);
  });

  it('from /register on its own: "Your ID is ready", then signs in to the account page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${portico.url}/register`);
    const person = newPerson();
    await fillRegistration(page, person);
    const [mail] = await smtp.mailsTo(person.email);
    await page.getByLabel('Activation code').fill(activationCode(mail!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('ID is ready to use').isVisible()).resolves.toBe(true);

    await page.getByRole('link', { name: 'Continue to sign in' }).click();
    await signInOnHostedPage(page, person.username, person.password);
    // A browser nobody ticked "Remember this device" in: the emailed access code first.
    await page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    const [, codeMail] = await smtp.mailsTo(person.email, 2);
    await page.getByLabel('Access code').fill(/\b(\d{6})\b/.exec(codeMail!.decoded)![1]!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await setSecurityQuestions(page);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await expect(page.getByText(person.email).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
  });
});

describe('SMTP down while someone registers', () => {
  let smtp: TestSmtp;
  let portico: TestPortico;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    portico = await startPortico({ env: { SMTP_URL: smtp.url } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
    await smtp?.close();
  });

  const outboxRow = (email: string) =>
    portico.server.database.db.selectFrom('mail_outbox').selectAll().where(sql`lower(to_address)`, '=', email.toLowerCase()).executeTakeFirstOrThrow();

  /** The outbox row once `ok` holds for it. */
  const outboxRowOnce = (email: string, ok: (row: Awaited<ReturnType<typeof outboxRow>>) => boolean, what: string) =>
    waitUntil(what, async () => {
      const row = await outboxRow(email);
      return ok(row) && row;
    });

  it('keeps the account, retries the mail, and delivers it exactly once when SMTP is back', async () => {
    smtp.down = true;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${portico.url}/register`);
    const person = newPerson();
    await fillRegistration(page, person);

    const account = await portico.server.database.db.selectFrom('accounts').selectAll().where('username', '=', person.username).executeTakeFirstOrThrow();
    expect(account.email_verified_at).toBeNull();
    const failed = await outboxRowOnce(person.email, (row) => row.last_error !== null, 'a failed delivery attempt');
    expect(failed).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/421/) });
    expect(smtp.received).toHaveLength(0);

    smtp.down = false;
    // Time passes: the retry the sender scheduled (30 s or more away) comes due now.
    await portico.server.database.db.updateTable('mail_outbox').set({ next_attempt_at: new Date() }).where('id', '=', failed.id).execute();
    const [mail] = await smtp.mailsTo(person.email);
    await outboxRowOnce(person.email, (row) => row.status === 'sent', 'the mail marked sent');
    await portico.server.mailer.drain();
    expect(await smtp.mailsTo(person.email)).toHaveLength(1);

    await page.getByLabel('Activation code').fill(activationCode(mail!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('ID is ready to use').isVisible()).resolves.toBe(true);
  });
});
