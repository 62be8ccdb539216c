import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { signInFromPortal, useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import type { TestSmtp } from '../support/smtp.js';

/*
 * The authenticator app as a person meets it in Chromium: set up from the account page by
 * reading the key off the page (as an app would from the QR code), codes computed the way the
 * app computes them (RFC 6238), a code refused the second time, a recovery code once and the
 * app set up again after it, wrong codes counted until they lock the ID, and the app required
 * at a sign-in's enrol step.
 */

const LOCKED = "We can't let you sign in just yet";

/**
 * The code an app shows `ahead` 30-second steps from now, computed by otplib as an app would
 * (SHA-1, 6 digits, 30 s): ahead 1 is newer than any code used this step.
 */
const appCode = (secret: string, ahead = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + ahead * 30 });

describe('an authenticator app as the second step, in a real browser', () => {
  let smtp: TestSmtp;
  let portal: BrowserHarness['portal'];
  let portico: TestPortico;
  let browser: Browser;
  // The default lock (five wrong codes lock the ID); every account without an app sets one up.
  useBrowserHarness((started) => ({ smtp, portal, portico, browser } = started), {
    policy: { second_step: { require_authenticator_app: true, require_security_questions: false } },
  });

  const signIn = (context: BrowserContext, user: { username: string; password: string }) => signInFromPortal({ portico, portal }, context, user);

  async function expectAtPortal(page: Page, rp: RelyingParty, request: Awaited<ReturnType<RelyingParty['authorizationRequest']>>, claims: Record<string, unknown>) {
    await page.waitForURL(`${portal.origin}/**`);
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject(claims);
  }

  /** The enrolment page: QR code drawn, key read as text, confirmed with the app's code; the recovery codes it then shows. */
  async function enrolOnPage(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    await expect(page.locator('.qr svg').count()).resolves.toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    const secret = (await page.locator('code.key').textContent())!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel('Code from your app').fill('12 34');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByText('Enter the 6-digit code your authenticator app shows.').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Code from your app').fill(appCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    const recoveryCodes = await page.locator('.recovery-codes code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    return { secret, recoveryCodes };
  }

  it('sets the app up from the account page, then asks for it first; a code works once, a recovery code once', async () => {
    const user = await portico.createUser();
    const account = await (await trustedContext(browser, portico.url)).newPage();
    await account.goto(`${portico.url}/account`);
    await signInOnHostedPage(account, user.username, user.password);
    await account.getByRole('link', { name: 'Security' }).click();
    await account.getByRole('heading', { name: 'Authenticator app' }).waitFor();
    await account.getByRole('link', { name: 'Set up an authenticator app' }).click();
    const { secret, recoveryCodes } = await enrolOnPage(account);
    const [told] = await smtp.mailsTo(user.email);
    expect(told!.decoded).toContain('just set up an authenticator app');
    await account.getByRole('link', { name: 'Back to your account' }).click();
    await expect(account.getByText('You have 10 unused recovery codes.', { exact: false }).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(account)).toEqual([]);

    // A new browser: the app first, before the emailed code the policy lists after it.
    const first = await signIn(await browser.newContext(), user);
    await first.page.getByRole('heading', { name: 'Enter the code from your authenticator app' }).waitFor();
    expect(await accessibilityViolations(first.page)).toEqual([]);
    await first.page.getByLabel('Code from your app').fill('abc');
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await expect(first.page.getByText('Enter the 6-digit code your authenticator app shows, or one of your recovery codes.').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(first.page)).toEqual([]);
    // Typed as a Japanese keyboard may: full-width digits, a space in the middle.
    const code = appCode(secret, 1);
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    await first.page.getByLabel('Code from your app').fill(`${fullWidth.slice(0, 3)} ${fullWidth.slice(3)}`);
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await expectAtPortal(first.page, first.rp, first.request, { sub: user.id, amr: ['pwd', 'otp'], acr: 'urn:portico:acr:second-step' });

    // The same code again, in another browser: refused, the app's step is used.
    const again = await signIn(await browser.newContext(), user);
    await again.page.getByLabel('Code from your app').fill(code);
    await again.page.getByRole('button', { name: 'Continue' }).click();
    await expect(again.page.getByText('That code was used already.', { exact: false }).isVisible()).resolves.toBe(true);
    // A recovery code instead, as shown (with its dash): accepted once, and amr says so.
    await again.page.getByLabel('Code from your app').fill(recoveryCodes[0]!);
    await again.page.getByRole('button', { name: 'Continue' }).click();
    // The phone is likely lost: the app is set up again first (the policy requires it, so no "Not now").
    await again.page.getByRole('heading', { name: 'Set up your authenticator app again' }).waitFor();
    expect(await accessibilityViolations(again.page)).toEqual([]);
    await expect(again.page.getByRole('button', { name: 'Not now' }).count()).resolves.toBe(0);
    // Until the new app is confirmed the old one's codes stand: the recovery code was used, the rest are left.
    await account.goto(`${portico.url}/account/security`);
    await expect(account.getByText('You have 9 unused recovery codes.', { exact: false }).isVisible()).resolves.toBe(true);
    const newSecret = (await again.page.locator('code.key').textContent())!.replace(/\s/g, '');
    expect(newSecret).not.toBe(secret);
    await again.page.getByLabel('Code from your app').fill(appCode(newSecret));
    await again.page.getByRole('button', { name: 'Confirm' }).click();
    await again.page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await again.page.getByRole('button', { name: 'Continue' }).click();
    await expectAtPortal(again.page, again.rp, again.request, { sub: user.id, amr: ['pwd', 'recovery_code'] });

    const third = await signIn(await browser.newContext(), user);
    await third.page.getByLabel('Code from your app').fill(recoveryCodes[0]!);
    await third.page.getByRole('button', { name: 'Continue' }).click();
    await expect(third.page.getByText('That code is not correct.', { exact: false }).isVisible()).resolves.toBe(true);

    // Removing it: from the account page, audited, and the owner told. The new app came with ten new codes.
    await account.goto(`${portico.url}/account/security`);
    await expect(account.getByText('You have 10 unused recovery codes.', { exact: false }).isVisible()).resolves.toBe(true);
    await account.getByRole('button', { name: 'Remove the authenticator app' }).click();
    await expect(account.getByText('The authenticator app was removed.').isVisible()).resolves.toBe(true);
    // Set up, set up again (mailed like the first), removed.
    const mails = await smtp.mailsTo(user.email, 3);
    expect(mails.filter((m) => m.decoded.includes('just set up an authenticator app'))).toHaveLength(2);
    expect(mails.some((m) => m.decoded.includes('just removed its authenticator app'))).toBe(true);
    const audit = await portico.server.database.db.selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['authenticator_app.enrolled', 'authenticator_app.recovery_code_used', 'authenticator_app.replaced', 'authenticator_app.removed']));
    const stored = await portico.server.database.db.selectFrom('authenticator_apps').selectAll().where('account_id', '=', user.id).execute();
    expect(stored).toEqual([]);
    // A whole journey across four browsers, with axe on each new page: longer than one step's default.
  }, 240_000);

  it('locks the ID after five wrong codes, as five wrong passwords do: the locked page, and a right code then gets no one in', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const { db } = portico.server.database;
    const secret = (await enrolmentSecret(db, user.id))!;
    // Sealed at rest: the stored value is not the secret.
    const row = await db.selectFrom('authenticator_apps').select('secret_sealed').where('account_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(secret);
    expect(await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, appCode(secret))).toMatchObject({ ok: true });
    const confirmedStep = (await db.selectFrom('authenticator_apps').select('last_used_step').where('account_id', '=', user.id).executeTakeFirstOrThrow()).last_used_step;

    const context = await browser.newContext();
    const { page } = await signIn(context, user);
    await page.getByRole('heading', { name: 'Enter the code from your authenticator app' }).waitFor();
    // The same sign-in in a second tab, opened before the lock: its form is sent after it.
    const earlier = await context.newPage();
    await earlier.goto(page.url());
    const right = () => [appCode(secret, -1), appCode(secret), appCode(secret, 1)];
    for (let i = 1; i <= 5; i++) {
      const wrong = String((Number(appCode(secret, 1)) + 500_000) % 1_000_000).padStart(6, '0');
      expect(right()).not.toContain(wrong);
      await page.getByLabel('Code from your app').fill(wrong);
      await page.getByRole('button', { name: 'Continue' }).click();
      if (i < 5) await page.getByText('That code is not correct.', { exact: false }).waitFor();
    }
    // The words of every lock: nothing says which secret was wrong.
    await page.getByRole('heading', { name: LOCKED }).waitFor();
    await expect(page.getByText('This can happen after too many unsuccessful attempts to sign in', { exact: false }).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_codes', failed_code_count: 5 });

    // The right code, then the right password (the sign-in is over: its password page again), and
    // the right password from a browser the ID has not remembered: the locked page each time.
    await earlier.getByLabel('Code from your app').fill(appCode(secret, 1));
    await earlier.getByRole('button', { name: 'Continue' }).click();
    await earlier.getByLabel('Username or email address').waitFor();
    expect(earlier.url()).not.toContain(portal.origin);
    await signInOnHostedPage(earlier, user.username, user.password);
    await earlier.getByRole('heading', { name: LOCKED }).waitFor();
    const again = await signIn(await browser.newContext(), user);
    await again.page.getByRole('heading', { name: LOCKED }).waitFor();
    // The right code was not even checked: its step is not used.
    const app = await db.selectFrom('authenticator_apps').select('last_used_step').where('account_id', '=', user.id).executeTakeFirstOrThrow();
    expect(app.last_used_step).toBe(confirmedStep);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', failed_code_count: 5 });
  });

  it('has an account without an app set one up at its sign-in, when the policy requires it', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const { rp, request, page } = await signIn(await browser.newContext(), user);
    await page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    const [mail] = await smtp.mailsTo(user.email);
    await page.getByLabel('Access code').fill(/\b(\d{6})\b/.exec(mail!.decoded)![1]!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await enrolOnPage(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectAtPortal(page, rp, request, { sub: user.id, amr: ['pwd', 'otp'] });
  });
});
