import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, signInOnHostedPage, startTestPortal } from './browser.js';
import { clients, portalOrigin, startPortico, type PorticoOptions, type TestPortico } from './portico.js';
import { RelyingParty } from './rp.js';
import { TestSmtp } from './smtp.js';

export interface BrowserHarness {
  smtp: TestSmtp;
  portal: Awaited<ReturnType<typeof startTestPortal>>;
  portico: TestPortico;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * What a journey in a real browser needs: a real SMTP server on loopback for the emails, a
 * stand-in portal for the redirects, Portico sending mail to that server, and Chromium.
 */
export async function startBrowserHarness(options: PorticoOptions = {}): Promise<BrowserHarness> {
  const smtp = await TestSmtp.start();
  const portal = await startTestPortal();
  const portico = await startPortico({ ...options, portalOrigin: portal.origin, env: { SMTP_URL: smtp.url, ...options.env } });
  const browser = await launchBrowser();
  return {
    smtp,
    portal,
    portico,
    browser,
    async stop() {
      await browser.close();
      await portico.stop();
      await portal.stop();
      await smtp.close();
    },
  };
}

/**
 * The harness for one test file: started before its tests (`take` hands its parts to the
 * file's variables) and stopped after them, whatever they did.
 */
export function useBrowserHarness(take: (harness: BrowserHarness) => void, options: PorticoOptions = {}): void {
  let harness: BrowserHarness | undefined;
  beforeAll(async () => {
    harness = await startBrowserHarness(options);
    take(harness);
  });
  afterAll(() => harness?.stop());
}

/**
 * Starts the first-party portal's authorization in `context` and signs in on the hosted page;
 * `prompt=login` so an SSO session does not skip the page. The portal's side is openid-client.
 */
export async function signInFromPortal(harness: Pick<BrowserHarness, 'portico' | 'portal'>, context: BrowserContext, user: { username: string; password: string }) {
  const rp = await RelyingParty.discover(harness.portico.url, 'firstParty');
  const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, harness.portal.origin), prompt: 'login consent' });
  const page = await context.newPage();
  await page.goto(request.url);
  await signInOnHostedPage(page, user.username, user.password);
  return { rp, request, page };
}
