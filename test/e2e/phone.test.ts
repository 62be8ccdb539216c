import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import { signInFromPortal, startBrowserHarness, type BrowserHarness } from '../support/harness.js';

/*
 * The phone second step as a person meets it in Chromium, with a fake of Twilio's API: a number
 * set up from the account page, then a sign-in by text, and a gateway failure's "try another
 * way"; axe on each new page, and no script needed.
 */

describe('the phone as the second step, in a real browser', () => {
  let twilio: FakeTwilio;
  let harness: BrowserHarness;
  beforeAll(async () => {
    twilio = await startFakeTwilio();
    harness = await startBrowserHarness({
      env: twilio.env,
      // No wait between codes: the sign-in's text follows the setup's within seconds here.
      policy: { second_step: { methods: ['passkey', 'authenticator_app', 'phone', 'email_code', 'security_questions'], require_security_questions: false, phone: { min_seconds_between_codes: 0 } } },
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await twilio?.stop();
  });

  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

  it('sets a number up from the account page, signs in with a texted code, and offers another way when texts fail', async () => {
    const { portico, portal, browser } = harness;
    // The account page's browser is remembered; the sign-ins below come from new ones.
    const user = await portico.createUser();
    const account = await (await trustedContext(browser, portico.url)).newPage();
    await account.goto(`${portico.url}/account`);
    await signInOnHostedPage(account, user.username, user.password);
    // The phone is one of the security page's ways to prove it's you.
    await account.getByRole('link', { name: 'Security' }).click();
    await account.getByRole('link', { name: 'Set up a phone number' }).click();
    await account.getByLabel('Phone number').waitFor();
    expect(await accessibilityViolations(account)).toEqual([]);
    await account.getByLabel('Phone number').fill('+1 900 555 0100');
    await account.getByRole('button', { name: 'Text me' }).click();
    await account.getByText('We cannot send codes to this kind of number', { exact: false }).waitFor();
    expect(await accessibilityViolations(account)).toEqual([]);
    await account.getByLabel('Phone number').fill('(201) 555-0188');
    await account.getByRole('button', { name: 'Text me' }).click();
    await account.getByLabel('Code').waitFor();
    expect(await accessibilityViolations(account)).toEqual([]);
    await account.getByLabel('Code').fill(codeIn(twilio.messages.at(-1)!.body));
    await account.getByRole('button', { name: 'Confirm the number' }).click();
    await account.getByText('Your phone number was set up.').waitFor();

    const { page, rp, request } = await signInFromPortal({ portico, portal }, await browser.newContext(), user);
    await page.getByRole('heading', { name: 'Get a code on your phone' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Text me' }).click();
    await page.getByLabel('Code').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Code').fill(codeIn(twilio.messages.at(-1)!.body));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await rp.exchange(page.url(), request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'sms'] });

    twilio.mode = 'fail';
    try {
      const failing = await signInFromPortal({ portico, portal }, await browser.newContext(), user);
      await failing.page.getByRole('button', { name: 'Call me' }).click();
      await failing.page.getByRole('heading', { name: 'Try another way' }).waitFor();
      expect(await accessibilityViolations(failing.page)).toEqual([]);
      await failing.page.getByRole('link', { name: 'Email me an access code instead' }).first().click();
      await failing.page.getByRole('heading', { name: /access code/ }).waitFor();
    } finally {
      twilio.mode = 'ok';
    }
  }, 240_000);
});
