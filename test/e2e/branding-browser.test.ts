import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser } from '../support/browser.js';
import { portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * A branded portal's sign-in page in Chromium: its logo drawn, its colour on the buttons,
 * no axe violations in English and Spanish, and no horizontal scrolling at 320 px (WCAG 1.4.10).
 */

const brandingDir = mkdtempSync(path.join(tmpdir(), 'portico-branding-'));
writeFileSync(path.join(brandingDir, 'acme.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#6a1b9a"/></svg>');

let portico: TestPortico;
let browser: Browser;
beforeAll(async () => {
  portico = await startPortico({
    env: { BRANDING_DIR: brandingDir },
    policy: { branding: { service_name: 'One Health ID', footer_links: [{ label: 'Accessibility', url: 'https://plan.example/accessibility' }] } },
    extraClients: [
      {
        client_id: 'acme-providers',
        client_name: 'Acme Providers',
        client_secret: 'acme-providers-secret-0123456789abcdef',
        redirect_uris: [`${portalOrigin}/acme/callback`],
        first_party: true,
        branding: { display_name: 'Acme Providers', logo_uri: 'acme.svg', primary_color: '#6a1b9a', support: { phone: '1-800-555-0122', hours: 'Mon-Fri 8am-6pm' } },
      },
    ],
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await portico?.stop();
});

async function signInPage(extra: Record<string, string> = {}, width = 1000, locale = 'en-US') {
  const rp = await RelyingParty.discover(portico.url, { id: 'acme-providers', secret: 'acme-providers-secret-0123456789abcdef', redirectUri: `${portalOrigin}/acme/callback` });
  const page = await (await browser.newContext({ viewport: { width, height: 800 }, locale })).newPage();
  await page.goto((await rp.authorizationRequest(extra)).url);
  return page;
}

describe('a branded portal\'s pages in Chromium', () => {
  it('draws the portal\'s logo and colours the button with its colour, with no axe violations in English and Spanish', async () => {
    const page = await signInPage();
    const logo = page.getByRole('img', { name: 'Acme Providers' });
    await expect(logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).resolves.toBe(120);
    await expect(page.getByRole('button', { name: 'Sign in', exact: true }).evaluate((b) => getComputedStyle(b).backgroundColor)).resolves.toBe('rgb(106, 27, 154)');
    await expect(page.getByText('Need help? Call 1-800-555-0122 (Mon-Fri 8am-6pm).').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);

    const spanish = await signInPage({ ui_locales: 'es' });
    await expect(spanish.getByText('¿Necesita ayuda? Llame al 1-800-555-0122 (Mon-Fri 8am-6pm).').isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(spanish)).toEqual([]);
  });

  it.each([
    ['en-US', 'en'],
    ['es-ES', 'es'],
  ])('has no axe violations on the branded front door and 404, and the portal\'s registration and recovery pages (%s)', async (locale, lang) => {
    const page = await signInPage({ ui_locales: lang }, 1000, locale);
    const register = await page.locator('a[href$="/register"]').first().getAttribute('href');
    const recover = await page.locator('a[href^="/recover/password?from="]').first().getAttribute('href');
    for (const path of [register!, recover!, '/', '/no-such-page']) {
      await page.goto(`${portico.url}${path}`);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      // The portal's journey carries its logo; the pages outside one, the instance's name.
      if (path === register || path === recover) await expect(page.getByRole('img', { name: 'Acme Providers' }).count(), path).resolves.toBe(1);
      else await expect(page.locator('header').textContent(), path).resolves.toContain('One Health ID');
      expect([path, await accessibilityViolations(page)]).toEqual([path, []]);
    }
  });

  it('needs no horizontal scrolling at 320 px wide', async () => {
    const page = await signInPage({}, 320);
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(320);
  });
});
