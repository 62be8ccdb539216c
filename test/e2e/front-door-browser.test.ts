import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser } from '../support/browser.js';
import { clients, startPortico, type TestPortico } from '../support/portico.js';

/*
 * The pages outside any journey in a real browser, in both languages (axe: WCAG 2.1 AA), and
 * the small comforts of public/comforts.js on the hosted forms.
 */
describe('front door, missing pages and comforts in a real browser', () => {
  let browser: Browser;
  let portico: TestPortico;
  const contexts: BrowserContext[] = [];
  const newPage = async (locale = 'en-US') => {
    const context = await browser.newContext({ locale });
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    portico = await startPortico();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await portico?.stop();
  });

  it.each([
    ['en-US', 'Welcome to Portico', 'Page not found', 'This sign-in link is not valid', 'Technical details', 'This page cannot do that'],
    ['es-ES', 'Bienvenido a Portico', 'Página no encontrada', 'Este enlace de inicio de sesión no es válido', 'Detalles técnicos', 'Esta página no puede hacer eso'],
  ])('has no axe violations on the front door, the 404 and 405 pages and the error page (%s)', async (locale, welcome, notFound, invalid, technical, method) => {
    const page = await newPage(locale);
    await page.goto(`${portico.url}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(welcome);
    expect(await accessibilityViolations(page)).toEqual([]);

    expect((await page.goto(`${portico.url}/no-such-page`))?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(notFound);
    expect(await accessibilityViolations(page)).toEqual([]);

    // A page that only takes posts, opened by its address.
    expect((await page.goto(`${portico.url}/account/name`))?.status()).toBe(405);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(method);
    expect(await accessibilityViolations(page)).toEqual([]);

    const bad = await page.goto(`${portico.url}/auth?client_id=${clients.firstParty.id}&redirect_uri=https://evil.example/cb&response_type=code&scope=openid`);
    expect(bad?.status()).toBe(400);
    await expect(page.locator('main').textContent()).resolves.toContain(invalid);
    await page.getByText(technical).click();
    await expect(page.locator('details.technical').textContent()).resolves.toContain('redirect_uri');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('shows a password on request, and hides it again', async () => {
    const page = await newPage();
    await page.goto(`${portico.url}/account`);
    const password = page.getByLabel('Password', { exact: true });
    await password.fill('Secret7Words');
    const toggle = page.getByRole('button', { name: 'Show password' });
    await toggle.click();
    await expect(password.getAttribute('type')).resolves.toBe('text');
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await accessibilityViolations(page)).toEqual([]);
    await toggle.click();
    await expect(password.getAttribute('type')).resolves.toBe('password');
  });

  it('says how many characters are left near a field\'s limit, in the page\'s language', async () => {
    for (const [locale, words] of [['en-US', '4 characters left'], ['es-ES', 'Quedan 4 caracteres']]) {
      const page = await newPage(locale);
      await page.goto(`${portico.url}/recover/username`);
      const hint = page.locator('.chars-left');
      await page.locator('#email').fill('a@b.example');
      await expect(hint.textContent()).resolves.toBe('');
      await page.locator('#email').fill(`${'a'.repeat(240)}@b.example`);
      await expect(hint.textContent()).resolves.toBe(words);
    }
  });

  it('sends a form once, however often it is submitted', async () => {
    const page = await newPage();
    let posts = 0;
    await page.route('**/recover/username', async (route) => {
      if (route.request().method() === 'POST') {
        posts++;
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      await route.continue();
    });
    await page.goto(`${portico.url}/recover/username`);
    await page.locator('#email').fill('someone@example.com');
    // In the page: a second click and a scripted submit while the first post is on its way.
    const disabled = await page.evaluate(async () => {
      const form = document.querySelector<HTMLFormElement>('form[action="/recover/username"]')!;
      const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      button.click();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const after = button.disabled;
      form.requestSubmit();
      button.click();
      return after;
    });
    expect(disabled).toBe(true);
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(posts).toBe(1);
  });
});
