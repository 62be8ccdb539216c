import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, signInOnHostedPage, startTestPortal, trustedContext } from '../support/browser.js';
import { clients, portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

describe('a person signs in with a real browser', () => {
  let browser: Browser;
  let portal: Awaited<ReturnType<typeof startTestPortal>>;
  let portico: TestPortico;
  let user: Awaited<ReturnType<TestPortico['createUser']>>;

  beforeAll(async () => {
    portal = await startTestPortal();
    portico = await startPortico({ portalOrigin: portal.origin });
    user = await portico.createUser();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
    await portal?.stop();
  });

  async function authorizationUrl(which: 'firstParty' | 'thirdParty') {
    const rp = await RelyingParty.discover(portico.url, which);
    const request = await rp.authorizationRequest({ redirect_uri: clients[which].redirectUri.replace(portalOrigin, portal.origin) });
    return request.url;
  }

  it('signs in on the hosted page and lands on the portal, with no accessibility violations', async () => {
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(await authorizationUrl('firstParty'));
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);

    await signInOnHostedPage(page, user.username, 'Not7TheRightOne');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The username or password you entered is not correct');
    expect(await page.getByLabel('Username or email address').inputValue()).toBe(user.username);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect(await page.getByRole('heading').textContent()).toBe('Signed in');
  });

  it('shows third-party portals an accessible consent page', async () => {
    const page = await (await trustedContext(browser, portico.url)).newPage();
    await page.goto(await authorizationUrl('thirdParty'));
    await signInOnHostedPage(page, user.email, user.password);
    await page.getByRole('heading', { name: 'Allow access' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
  });

  it('explains a bad request on an accessible error page', async () => {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${portico.url}/auth?client_id=${clients.firstParty.id}&redirect_uri=https://evil.example/cb&response_type=code&scope=openid`);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole('heading').first().textContent()).toBe('We could not complete this request');
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
