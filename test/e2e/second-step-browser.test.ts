import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { accessibilityViolations, signInOnHostedPage } from '../support/browser.js';
import { TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { signInFromPortal, useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import type { TestSmtp } from '../support/smtp.js';

/*
 * The second step as a person meets it: Debian's Chromium on the hosted pages, the access code read
 * from a real SMTP server on loopback, "Remember this device" ticked, and the portal's side
 * (code exchange, ID token checks) played by openid-client.
 */

describe('proving a new device in a real browser', () => {
  let smtp: TestSmtp;
  let portal: BrowserHarness['portal'];
  let portico: TestPortico;
  let browser: Browser;
  useBrowserHarness((started) => ({ smtp, portal, portico, browser } = started));

  const signIn = (context: BrowserContext, user: { username: string; password: string }) => signInFromPortal({ portico, portal }, context, user);

  async function expectAtPortal(page: Page, rp: RelyingParty, request: Awaited<ReturnType<RelyingParty['authorizationRequest']>>, claims: Record<string, unknown>) {
    await page.waitForURL(`${portal.origin}/**`);
    expect(await page.getByRole('heading').textContent()).toBe('Signed in');
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject(claims);
  }

  it('asks a new browser for the emailed code; with "Remember this device" ticked, not again in that browser', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const context = await browser.newContext();
    const first = await signIn(context, user);
    await first.page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    await expect(first.page.getByText(`${user.email[0]}*****@example.com`).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(first.page)).toEqual([]);
    const [mail] = await smtp.mailsTo(user.email);
    const code = /\b(\d{6})\b/.exec(mail!.decoded)![1]!;
    await first.page.getByLabel('Access code').fill(code);
    await first.page.getByLabel('Remember this device').check();
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await expectAtPortal(first.page, first.rp, first.request, { amr: ['pwd', 'otp'], acr: 'urn:portico:acr:second-step' });

    const again = await signIn(context, user);
    await expectAtPortal(again.page, again.rp, again.request, { amr: ['pwd'], acr: 'urn:portico:acr:trusted-device' });
    expect(await smtp.mailsTo(user.email)).toHaveLength(1);

    const elsewhere = await signIn(await browser.newContext(), user);
    await elsewhere.page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    expect(await smtp.mailsTo(user.email, 2)).toHaveLength(2);
  });

  it('does the same with the security questions', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const context = await browser.newContext();
    const first = await signIn(context, user);
    await first.page.getByRole('link', { name: 'Answer my security questions instead' }).click();
    await first.page.getByRole('heading', { name: 'Answer your security questions' }).waitFor();
    expect(await accessibilityViolations(first.page)).toEqual([]);
    await first.page.getByLabel('What was the name of your first pet?').fill(TEST_ANSWERS[0]!.answer);
    await first.page.getByLabel('In what city were you born?').fill(TEST_ANSWERS[1]!.answer);
    await first.page.getByLabel('Remember this device').check();
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await expectAtPortal(first.page, first.rp, first.request, { amr: ['pwd', 'kba'], acr: 'urn:portico:acr:second-step' });

    const again = await signIn(context, user);
    await expectAtPortal(again.page, again.rp, again.request, { amr: ['pwd'] });
    const elsewhere = await signIn(await browser.newContext(), user);
    await elsewhere.page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
  });

  it('shows a locked ID an accessible page, and re-enables it from the emailed link', async () => {
    const user = await portico.createUser();
    const context = await browser.newContext();
    const { page } = await signIn(context, { username: user.username, password: 'Wrong7Password1' });
    for (let i = 2; i <= 5; i++) {
      await page.getByRole('alert').waitFor();
      await signInOnHostedPage(page, user.username, 'Wrong7Password1');
    }
    await page.getByRole('heading', { name: "We can't let you sign in just yet" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Send email to re-enable' }).click();
    await page.getByRole('status').waitFor();
    const [mail] = await smtp.mailsTo(user.email);
    const link = /http:\/\/127\.0\.0\.1:\d+\/unlock\?token=[A-Za-z0-9_-]{43}/.exec(mail!.decoded)![0];
    await page.goto(link);
    await page.getByRole('button', { name: 'Re-enable my ID' }).click();
    await page.getByRole('heading', { name: 'Your ID is enabled again' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('offers setting the authenticator app up again after a recovery code, which the person may put off', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const { db } = portico.server.database;
    const secret = (await enrolmentSecret(db, user.id))!;
    const app = await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, generateSync({ secret }));
    if (!app.ok) throw new Error('the app was not confirmed');
    const { rp, request, page } = await signIn(await browser.newContext(), user);
    await page.getByLabel('Code from your app').fill(app.recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Set up your authenticator app again' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Not now' }).click();
    await expectAtPortal(page, rp, request, { amr: ['pwd', 'recovery_code'] });
  });
});
