import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { fillRegistration, newPerson, setSecurityQuestions } from '../test/support/journeys.js';
import { startDemo } from './start.js';

/*
 * `npm run screenshots`: the README's pictures of the main pages, taken from the demo's journey
 * in Chromium (CHROMIUM_PATH, /usr/bin/chromium by default) on a database in memory, so they
 * show the pages as they are now. Writes docs/screenshots/*.png.
 */

const OUT = path.resolve('docs/screenshots');

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  process.env.DATA_DIR ??= 'memory://screenshots';
  mkdirSync(OUT, { recursive: true });
  const demo = await startDemo();
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
    const shot = async (name: string, on: Page = page) => {
      // A viewport as tall as the page rather than fullPage: Chromium leaves frames outside the viewport blank.
      await on.setViewportSize({ width: 900, height: Math.max(760, await on.evaluate(() => document.documentElement.scrollHeight)) });
      await on.screenshot({ path: path.join(OUT, `${name}.png`) });
      await on.setViewportSize({ width: 900, height: 760 });
      process.stdout.write(`docs/screenshots/${name}.png\n`);
    };
    await page.goto(demo.portalUrl);
    await shot('1-portal');
    await page.getByRole('link', { name: 'Sign in with your ID' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('2-sign-in');
    await page.getByRole('link', { name: 'Create an ID' }).click();
    await shot('3-create-an-id');
    const person = newPerson();
    await fillRegistration(page, person);
    await shot('4-verify-email');
    const outbox = await page.context().newPage();
    await outbox.goto(demo.outboxUrl!);
    await outbox.getByRole('row', { name: new RegExp(person.email.replace(/\./g, '\\.')) }).getByRole('link').click();
    const code = /\b(\d{10})\b/.exec(await outbox.locator('main').innerText())![1]!;
    // The mail's HTML is drawn in a frame of its own: wait for it, so the picture shows it.
    await outbox.frameLocator('iframe').locator('body').waitFor();
    await shot('5-dev-outbox', outbox);
    await page.getByLabel('Activation code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Set your security questions' }).waitFor();
    await shot('6-security-questions');
    await setSecurityQuestions(page);
    await page.getByRole('heading', { name: 'Welcome, Ana' }).waitFor();
    await shot('7-back-at-the-portal');
    await page.goto(`${demo.config.issuer}/account`);
    await page.getByRole('heading').first().waitFor();
    await shot('8-account');
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`screenshots: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
