import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { DEVICE_COOKIE, TEST_DEVICE_TOKEN } from './portico.js';

/** Debian's Chromium, with the flags this closed network needs (no background connections). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // --headless=new: Chromium 112-131 would otherwise take Playwright's bare --headless as the old mode.
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A stand-in portal: its callback page says a sign-in came back, never echoing the code. */
export async function startTestPortal(): Promise<{ origin: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal');
    const signedIn = url.searchParams.has('code');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>Test portal</title></head><body><main><h1>${signedIn ? 'Signed in' : 'Test portal'}</h1></main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** WCAG 2.1 AA violations axe-core finds on the page, as "rule: target" lines. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

/** Fills and submits the hosted sign-in page the way a person does: by its labels and button. */
export async function signInOnHostedPage(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('Username or email address').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** A browser context that presents the test device cookie, which createUser's accounts remember. */
export async function trustedContext(browser: Browser, issuer: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addCookies([{ name: DEVICE_COOKIE, value: TEST_DEVICE_TOKEN, url: issuer, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}
