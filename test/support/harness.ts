import type { Browser } from 'playwright-core';
import { launchBrowser, startTestPortal } from './browser.js';
import { startPortico, type PorticoOptions, type TestPortico } from './portico.js';
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
