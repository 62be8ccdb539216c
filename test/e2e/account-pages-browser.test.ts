import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, signInOnHostedPage, startTestPortal, trustedContext } from '../support/browser.js';
import { clients, portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { organizationsService } from '../../src/identity/services/organizations.js';

/*
 * The account pages as a person sees them in Chromium: axe-clean in English and Spanish, no
 * sideways scrolling at 320 px (WCAG 1.4.10 reflow), and buttons stacked one under another
 * that never touch.
 */

const ACCOUNT_PAGES = ['/account', '/account/profile', '/account/email', '/account/password', '/account/security', '/account/sessions', '/account/organizations'];

describe('the account pages in a real browser', () => {
  let browser: Browser;
  let portal: Awaited<ReturnType<typeof startTestPortal>>;
  let portico: TestPortico;

  beforeAll(async () => {
    portal = await startTestPortal();
    portico = await startPortico({ portalOrigin: portal.origin });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
    await portal?.stop();
  });

  async function signedIn(viewport?: { width: number; height: number }, deviceScaleFactor?: number): Promise<Page> {
    // A long address and name: the words that would push a narrow page sideways.
    const user = await portico.createUser({ email: `someone.with.a.rather.long.address.${Date.now()}@subdomain.example-organisation.com`, givenName: 'Maximiliana' });
    const context = await trustedContext(browser, portico.url, deviceScaleFactor ? { deviceScaleFactor } : {});
    const page = await context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(`${portico.url}/account`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    return page;
  }

  /** The two buttons' boxes: apart, with at least a small gap between them. */
  async function gapBetween(first: Locator, second: Locator): Promise<number> {
    const [a, b] = [(await first.boundingBox())!, (await second.boundingBox())!];
    const vertical = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height));
    const horizontal = Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width));
    return Math.max(vertical, horizontal);
  }

  it('has no accessibility violations on any account page, in English and Spanish', async () => {
    const page = await signedIn();
    for (const lang of ['en', 'es']) {
      await page.context().addCookies([{ name: 'portico_lang', value: lang, url: portico.url }]);
      for (const path of ACCOUNT_PAGES) {
        await page.goto(`${portico.url}${path}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        expect([path, lang, await accessibilityViolations(page)]).toEqual([path, lang, []]);
      }
    }
  }, 240_000);

  it('has no accessibility violations on the organisation pages, lists filled and a change refused beside its member, in English and Spanish, and reflows them at 320 px', async () => {
    const db = portico.server.database.db;
    const orgs = organizationsService({ db, hasher: new PasswordHasher(portico.config.policy.argon2), policy: portico.config.policy, issuer: portico.config.issuer, phone: undefined as never, portals: portico.server.portals });
    const fields = { taxId: `12-${String(Date.now() % 10_000_000).padStart(7, '0')}`, legalName: 'Lakeside Family Clinic', address: '12 Shore Rd', phone: '218-555-0100' };
    const admin = await portico.createUser();
    const requested = await orgs.request((await findAccountById(db, admin.id))!, fields);
    if (!requested.ok) throw new Error('refused');
    await orgs.decide(requested.organizationId, true, 'ops-test');
    const asker = await portico.createUser();
    await orgs.request((await findAccountById(db, asker.id))!, fields);
    await orgs.invite((await findAccountById(db, admin.id))!, requested.organizationId, `invited.${Date.now()}@example.com`, 'member');
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(`${portico.url}/org`);
    await signInOnHostedPage(page, admin.username, admin.password);
    await page.getByRole('heading', { name: 'Members of Lakeside Family Clinic' }).waitFor();
    const base = `${portico.url}/org/${requested.organizationId}`;
    for (const lang of ['en', 'es']) {
      await page.context().addCookies([{ name: 'portico_lang', value: lang, url: portico.url }]);
      for (const path of ['', '/invitations', '/requests']) {
        await page.goto(`${base}${path}`);
        expect([path, lang, await accessibilityViolations(page)]).toEqual([path, lang, []]);
      }
    }
    await page.goto(base);
    await page.locator('form[action$="/remove"] button').first().click();
    await page.locator('.field-error').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // And they reflow at 320 px, forms beside each member included.
    await page.setViewportSize({ width: 320, height: 640 });
    for (const path of ['', '/invitations', '/requests']) {
      await page.goto(`${base}${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(320);
    }
  }, 240_000);

  it('reflows at 320 px: no sideways scrolling on the account pages and the sign-in page', async () => {
    const narrow = { width: 320, height: 640 };
    const page = await signedIn(narrow);
    const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
    for (const path of ACCOUNT_PAGES) {
      await page.goto(`${portico.url}${path}`);
      expect(await scrollWidth(), path).toBeLessThanOrEqual(320);
    }
    const signIn = await (await browser.newContext({ viewport: narrow })).newPage();
    await signIn.goto(`${portico.url}/account`);
    await signIn.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await signIn.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  }, 240_000);

  it('reflows at 200% zoom as at 320 px: no sideways scrolling on the account pages, the portal\'s sign-in and the pages outside a journey', async () => {
    // 200% zoom of a 1280 px window is a 640 CSS px layout at two device pixels per CSS pixel.
    const views = [
      { name: '200% zoom', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
      { name: '320 px', viewport: { width: 320, height: 640 }, deviceScaleFactor: 1 },
    ];
    const scrollWidth = (page: Page) => page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth, window.devicePixelRatio]);
    for (const { name, viewport, deviceScaleFactor } of views) {
      const fits = [viewport.width, viewport.width, deviceScaleFactor];
      const account = await signedIn(viewport, deviceScaleFactor);
      for (const path of ACCOUNT_PAGES) {
        await account.goto(`${portico.url}${path}`);
        expect([name, path, await scrollWidth(account)]).toEqual([name, path, fits]);
      }
      const page = await (await browser.newContext({ viewport, deviceScaleFactor })).newPage();
      for (const path of ['/', '/no-such-page', '/register', '/recover', '/recover/username', '/recover/password', '/terms', '/privacy']) {
        await page.goto(`${portico.url}${path}`);
        expect([name, path, await scrollWidth(page)]).toEqual([name, path, fits]);
      }
      const rp = await RelyingParty.discover(portico.url, 'firstParty');
      await page.goto((await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin) })).url);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect([name, 'portal sign-in', await scrollWidth(page)]).toEqual([name, 'portal sign-in', fits]);
      await page.getByRole('link', { name: 'Create an ID' }).click();
      await page.getByRole('heading', { name: 'Create an ID' }).waitFor();
      expect([name, 'portal registration', await scrollWidth(page)]).toEqual([name, 'portal registration', fits]);
      await page.context().close();
      await account.context().close();
    }
  }, 240_000);

  it('keeps stacked buttons apart, and styles "Sign out" like the other buttons', async () => {
    const page = await signedIn();
    await page.goto(`${portico.url}/account/sessions`);
    const everywhere = page.getByRole('button', { name: 'Sign out everywhere else' });
    const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
    expect(await gapBetween(everywhere, signOut)).toBeGreaterThanOrEqual(8);
    const look = (button: Locator) => button.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderTopColor, getComputedStyle(b).color]);
    expect(await look(signOut)).toEqual(await look(everywhere));
    expect((await look(signOut))[0]).toBe('rgb(255, 255, 255)');

    // Consent: Allow / Do not allow.
    const user = await portico.createUser();
    const consent = await (await trustedContext(browser, portico.url)).newPage();
    const rp = await RelyingParty.discover(portico.url, 'thirdParty');
    await consent.goto((await rp.authorizationRequest({ redirect_uri: clients.thirdParty.redirectUri.replace(portalOrigin, portal.origin) })).url);
    await signInOnHostedPage(consent, user.username, user.password);
    await consent.getByRole('heading', { name: 'Allow access' }).waitFor();
    expect(await gapBetween(consent.getByRole('button', { name: 'Allow', exact: true }), consent.getByRole('button', { name: 'Do not allow' }))).toBeGreaterThanOrEqual(8);

    // The reset code: Continue / Send a new code.
    const reset = await (await browser.newContext()).newPage();
    await reset.goto(`${portico.url}/recover/password`);
    await reset.getByLabel('Username').fill(user.username);
    await reset.getByRole('button', { name: 'Continue' }).click();
    await reset.getByRole('heading', { name: 'Enter your reset code' }).waitFor();
    expect(await gapBetween(reset.getByRole('button', { name: 'Continue' }), reset.getByRole('button', { name: 'Send a new code' }))).toBeGreaterThanOrEqual(8);
  }, 240_000);
});
