import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { grantStaffRole } from '../../src/identity/staff.js';
import { accessibilityViolations, launchBrowser, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { startPortico, type TestPortico } from '../support/portico.js';

/*
 * The help desk in Chromium: a staff member signs in to /admin with the second step, finds a
 * locked ID, unlocks it with a reason after confirming, the person signs in again, and the
 * ID's trail shows who unlocked it and why.
 */

describe('the help-desk console in a real browser', () => {
  let browser: Browser;
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startPortico();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
  });

  const db = () => portico.server.database.db;

  async function accessCode(email: string): Promise<string> {
    const mail = await db().selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    return /^(\d{6})$/m.exec(mail.text_body)![1]!;
  }

  async function signInAsStaff(staff: { username: string; email: string; password: string }): Promise<Page> {
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(`${portico.url}/admin`);
    await signInOnHostedPage(page, staff.username, staff.password);
    // A remembered device does not spare the console its second step.
    await page.getByRole('heading', { name: 'Enter your access code' }).waitFor();
    await page.getByLabel('Access code').fill(await accessCode(staff.email));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Find a user' }).waitFor();
    return page;
  }

  it('unlocks a locked ID with a reason; the person signs in again and the trail says who and why', async () => {
    const staff = await portico.createUser({ withAnswers: true });
    const person = await portico.createUser({ withAnswers: true });
    await grantStaffRole(db(), (await findAccountById(db(), staff.id))!, 'helpdesk', 'e2e');
    await db().updateTable('accounts').set({ status: 'disabled', lock_reason: 'failed_passwords', failed_password_count: 5, locked_at: new Date() }).where('id', '=', person.id).execute();

    const page = await signInAsStaff(staff);
    await page.getByLabel('Username, email or name').fill(person.username);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: person.username }).click();
    await page.getByText('Locked or disabled').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Unlock' }).click();
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('Give a reason.').waitFor();
    expect((await findAccountById(db(), person.id))!.status).toBe('disabled');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Reason').fill('Caller answered the security check, ticket 7788');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText(`${person.username} was unlocked and can sign in again.`).waitFor();

    const row = page.getByRole('row').filter({ hasText: 'operator.unlock' });
    await expect(row.getByRole('cell', { name: staff.username, exact: true }).isVisible()).resolves.toBe(true);
    await expect(row.getByRole('cell', { name: 'Caller answered the security check, ticket 7788' }).isVisible()).resolves.toBe(true);

    const own = await (await trustedContext(browser, portico.url)).newPage();
    await own.goto(`${portico.url}/account`);
    await signInOnHostedPage(own, person.username, person.password);
    await own.getByRole('heading', { name: 'Your account' }).waitFor();
  }, 240_000);
});
