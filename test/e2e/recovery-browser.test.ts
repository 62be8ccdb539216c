import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { clients, portalOrigin, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import type { TestSmtp } from '../support/smtp.js';

/*
 * Recovery and the account page as a person takes them: Debian's Chromium on the hosted pages, every
 * email read from a real SMTP server on loopback.
 */

describe('recovering and managing an ID in a real browser', () => {
  let smtp: TestSmtp;
  let portal: BrowserHarness['portal'];
  let portico: TestPortico;
  let browser: Browser;
  useBrowserHarness((started) => ({ smtp, portal, portico, browser } = started));

  const sixDigits = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;
  // Reset codes are longer: a username alone reaches them (policy recovery.code_length).
  const tenDigits = (text: string) => /\b(\d{10})\b/.exec(text)![1]!;

  async function portalSignInPage(page: Page) {
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin) });
    await page.goto(request.url);
    return { rp, request };
  }

  it('forgot username: the same words on the page, the username in the email', async () => {
    const user = await portico.createUser();
    const page = await (await browser.newContext()).newPage();
    await portalSignInPage(page);
    await page.getByRole('link', { name: 'Forgot username?' }).click();
    await page.getByLabel('Email address').fill(user.email);
    await page.getByRole('button', { name: 'Email my username' }).click();
    await expect(page.getByText('If an ID uses this address, we have emailed it.').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    const [mail] = await smtp.mailsTo(user.email);
    expect(mail!.decoded).toContain(user.username);
  });

  it('forgot password: code from the email, a new password, then signing in with it and a new access code', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await portalSignInPage(page);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByLabel('Username').fill(user.username);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Enter your reset code' }).waitFor();
    const [mail] = await smtp.mailsTo(user.email);
    await page.getByLabel('Reset code').fill(tenDigits(mail!.decoded));
    await page.getByRole('button', { name: 'Continue' }).click();
    // The questions are asked as well, after the code.
    await page.getByRole('heading', { name: 'Answer your security questions' }).waitFor();
    await page.getByLabel('What was the name of your first pet?').fill('Rex the Dog');
    await page.getByLabel('In what city were you born?').fill('Duluth');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Create a new password' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('New password', { exact: true }).fill('Fresh8Meadow');
    await page.getByLabel('Type the new password again').fill('Fresh8Meadow');
    await page.getByRole('button', { name: 'Change my password' }).click();
    await page.getByRole('heading', { name: 'Your password was changed' }).waitFor();
    const [, notice] = await smtp.mailsTo(user.email, 2);
    expect(notice!.header('Subject')).toMatch(/password was changed/);

    // The reset forgot this remembered browser: the new password, then the emailed access code.
    const { rp, request } = await portalSignInPage(page);
    await signInOnHostedPage(page, user.username, 'Fresh8Meadow');
    await page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    const access = (await smtp.mailsTo(user.email, 3)).find((m) => /access code/.test(m.header('Subject') ?? ''));
    await page.getByLabel('Access code').fill(sixDigits(access!.decoded));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject({ sub: user.id });
  });

  it('account page: a new email address takes effect once its code is typed, and the old address is told', async () => {
    const user = await portico.createUser();
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(`${portico.url}/account`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Email address' }).click();
    await page.getByRole('heading', { name: 'Email address' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    const moved = `moved.${user.username}@example.com`;
    await page.getByLabel('New email address', { exact: true }).fill(moved);
    await page.getByLabel('Type the new email address again').fill(moved);
    // Several forms on the page ask for the current password: this one belongs to the email form.
    await page.locator('#emailPassword').fill(user.password);
    await page.getByRole('button', { name: 'Change email address' }).click();
    const [codeMail] = await smtp.mailsTo(moved);
    await page.getByLabel('Code from the email').fill(sixDigits(codeMail!.decoded));
    await page.getByRole('button', { name: 'Confirm new address' }).click();
    await expect(page.getByText(moved, { exact: true }).first().isVisible()).resolves.toBe(true);
    const [told] = await smtp.mailsTo(user.email);
    expect(told!.decoded).toContain(moved);
  });

  it('account page: changing the password needs the current one, and the owner is told', async () => {
    const user = await portico.createUser();
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(`${portico.url}/account`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('link', { name: 'Password' }).click();
    await page.locator('#currentPassword').fill('Not7MyPassword');
    await page.getByLabel('New password', { exact: true }).fill('Brand9NewOne');
    await page.getByLabel('Type the new password again').fill('Brand9NewOne');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByText('That is not your current password.').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.locator('#currentPassword').fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill('Brand9NewOne');
    await page.getByLabel('Type the new password again').fill('Brand9NewOne');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').waitFor();
    const [mail] = await smtp.mailsTo(user.email);
    expect(mail!.header('Subject')).toMatch(/password was changed/);
  });

  it('the new-password step for a flagged account, before returning to the portal', async () => {
    const user = await portico.createUser();
    await portico.server.database.db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', user.id).execute();
    const page = await (await trustedContext(browser, portico.url)).newPage();
    const { rp, request } = await portalSignInPage(page);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Update your password' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('New password', { exact: true }).fill('Updated9Pass');
    await page.getByLabel('Type the new password again').fill('Updated9Pass');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject({ sub: user.id });
  });

  it('the terms step, signed, before returning to the portal', async () => {
    const user = await portico.createUser({ givenName: 'Ana', familyName: 'Lima' });
    await portico.server.database.db.updateTable('accounts').set({ terms_version: 'old' }).where('id', '=', user.id).execute();
    const page = await (await trustedContext(browser, portico.url)).newPage();
    const { rp, request } = await portalSignInPage(page);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Our terms have changed' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('I accept the Terms of Use and the Privacy Policy').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject({ sub: user.id });
  });
});
