import type { Browser, Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { catalogues } from '../../src/i18n/index.js';
import { accessibilityViolations } from '../support/browser.js';
import { useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import { clients, portalOrigin, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import type { ReceivedMail, TestSmtp } from '../support/smtp.js';

// Whole journeys in Chromium (many pages, axe on each): the default 60 s is too tight on a loaded 2-core machine.
vi.setConfig({ testTimeout: 150_000 });

/*
 * A Spanish-speaking member, end to end: the portal asks for Spanish with `ui_locales`
 * (OIDC Core 1.0 §3.1.2.1), and every page of creating an ID, verifying the address and
 * signing in from a new device is in Spanish, as are the mails.
 */

/** Sentences of the English catalogue (a fragment of at least three words between variables), except those Spanish shares. */
const englishSentences = (() => {
  const forms = (m: unknown) => (typeof m === 'string' ? [m] : Object.values(m as Record<string, string>));
  const fragments = new Set<string>();
  for (const [key, message] of Object.entries(catalogues.en)) {
    const spanish = new Set(forms(catalogues.es[key]));
    for (const text of forms(message)) {
      if (spanish.has(text)) continue;
      for (const part of text.replace(/<[^>]+>/g, '').split(/\{\w+\}/)) {
        const fragment = part.trim().replace(/^[,.:;]\s*/, '');
        if (fragment.split(/\s+/).length >= 3) fragments.add(fragment);
      }
    }
  }
  return [...fragments];
})();

function englishIn(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ');
  return englishSentences.filter((sentence) => flat.includes(sentence));
}

async function expectSpanishPage(page: Page, options = { axe: true }): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe('es');
  expect(englishIn(await page.locator('body').innerText())).toEqual([]);
  if (options.axe) expect(await accessibilityViolations(page)).toEqual([]);
}

/** The mail's words as the recipient reads them: MIME parts and RFC 2047 headers decoded as UTF-8. */
function mailText(mail: ReceivedMail): { subject: string; body: string } {
  const subject = (mail.header('Subject') ?? '').replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind: string, data: string) =>
    kind.toLowerCase() === 'b' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')));
  const parts = mail.raw.split(/\r\n--[^\r\n]+\r\n/).map((part) => {
    const [head = '', ...rest] = part.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) return qp(body);
    return body;
  });
  return { subject, body: parts.join('\n') };
}

function qp(text: string): string {
  const latin = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(latin, 'latin1').toString('utf8');
}

describe('a member who reads Spanish', () => {
  let smtp: TestSmtp;
  let portal: BrowserHarness['portal'];
  let portico: TestPortico;
  let browser: Browser;
  useBrowserHarness((started) => ({ smtp, portal, portico, browser } = started));

  async function startAtPortal(extra: Record<string, string>, javaScriptEnabled = true) {
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin), ...extra });
    const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
    await page.goto(request.url);
    return { rp, request, page };
  }

  it('creates an ID, verifies the address and signs in from a new device, all in Spanish, with Spanish mails', async () => {
    const id = `${Date.now().toString(36)}`;
    const person = { username: `socia${id}`, email: `socia.${id}@example.com`, password: `Azul${id}Cielo` };

    const start = await startAtPortal({ ui_locales: 'es-US es en' });
    const { page } = start;
    await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
    await expectSpanishPage(page);
    await page.getByRole('link', { name: 'Crear una identificación' }).click();
    await page.getByRole('heading', { name: 'Crear una identificación' }).waitFor();
    await expectSpanishPage(page);
    const fillForm = async (password: string, confirmation: string) => {
      await page.getByLabel('Nombre', { exact: true }).fill('Lucía');
      await page.getByLabel('Apellido').fill('Peña');
      await page.getByLabel('Año de nacimiento').fill('1975');
      await page.getByLabel('Su correo electrónico').fill(person.email);
      await page.getByLabel('Cree un nombre de usuario').fill(person.username);
      await page.getByLabel('Cree una contraseña').fill(password);
      await page.getByLabel('Vuelva a escribir la contraseña').fill(confirmation);
      await page.getByLabel('Acepto las Condiciones de uso y la Política de privacidad').check();
      await page.getByRole('button', { name: 'Crear mi identificación' }).click();
    };
    // Rules broken: the messages beside the fields are in Spanish too.
    await fillForm('Password1', 'Password2');
    await page.locator('#password-error').waitFor();
    expect(await page.locator('#password-error').innerText()).toContain('Esta contraseña es demasiado común');
    expect(await page.locator('#confirmPassword-error').innerText()).toBe('Las contraseñas no coinciden. Escriba la misma contraseña dos veces.');
    await expectSpanishPage(page);
    await fillForm(person.password, person.password);

    await page.getByRole('heading', { name: 'Verifique su correo electrónico' }).waitFor();
    await expectSpanishPage(page);
    const verification = mailText((await smtp.mailsTo(person.email))[0]!);
    expect(verification.subject).toBe('Confirme su correo electrónico para Portico');
    expect(verification.body).toContain('Para terminar de crear su identificación de Portico, confirme que este correo electrónico es suyo.');
    expect(englishIn(verification.body)).toEqual([]);
    await page.getByLabel('Código de activación').fill(/\b(\d{10})\b/.exec(verification.body)![1]!);
    await page.getByRole('button', { name: 'Verificar' }).click();

    await page.getByRole('heading', { name: 'Elija sus preguntas de seguridad' }).waitFor();
    await expectSpanishPage(page);
    // The policy's questions in the policy's Spanish wording.
    expect(await page.getByRole('option', { name: '¿Cómo se llamaba su primera mascota?' }).count()).toBe(2);
    expect(await page.getByText('What was the name of your first pet?').count()).toBe(0);
    for (const [index, answer] of [[1, 'Firulais'], [2, 'Guadalajara']] as const) {
      const group = page.getByRole('group', { name: `Pregunta de seguridad ${index}` });
      await group.getByLabel('Pregunta', { exact: true }).selectOption({ index });
      await group.getByLabel('Respuesta').fill(answer);
    }
    await page.getByRole('button', { name: 'Guardar y continuar' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await start.rp.exchange(page.url(), start.request)).claims()).toMatchObject({ preferred_username: person.username, email_verified: true });
    const account = await portico.server.database.db.selectFrom('accounts').select('locale').where('username', '=', person.username).executeTakeFirstOrThrow();
    expect(account.locale).toBe('es');

    // A new browser: the second step, with the access code mailed in Spanish.
    const again = await startAtPortal({ ui_locales: 'es', prompt: 'login consent' });
    await again.page.getByLabel('Nombre de usuario o correo electrónico').fill(person.username);
    await again.page.getByLabel('Contraseña').fill(person.password);
    await again.page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
    await again.page.getByRole('heading', { name: /código de acceso/ }).waitFor();
    if (await again.page.getByRole('button', { name: 'Enviarme un código por correo' }).count()) {
      await expectSpanishPage(again.page);
      await again.page.getByRole('button', { name: 'Enviarme un código por correo' }).click();
    }
    await again.page.getByRole('heading', { name: 'Escriba su código de acceso' }).waitFor();
    await expectSpanishPage(again.page);
    const [, accessMail] = await smtp.mailsTo(person.email, 2);
    const access = mailText(accessMail!);
    expect(access.subject).toBe('Su código de acceso de Portico');
    expect(englishIn(access.body)).toEqual([]);
    await again.page.getByLabel('Código de acceso').fill(/\b(\d{6})\b/.exec(access.body)![1]!);
    await again.page.getByRole('button', { name: 'Continuar' }).click();
    await again.page.waitForURL(`${portal.origin}/**`);
    expect((await again.rp.exchange(again.page.url(), again.request)).claims()).toMatchObject({ amr: ['pwd', 'otp'] });
  });

  it('switches language without JavaScript, and the choice holds on the next page', async () => {
    const { page } = await startAtPortal({}, false);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
    // axe needs JavaScript: the words and the language only here.
    await expectSpanishPage(page, { axe: false });
    await page.getByRole('link', { name: 'Crear una identificación' }).click();
    await page.getByRole('heading', { name: 'Crear una identificación' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Create an ID' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });

  it('follows the browser\'s Accept-Language when neither the person nor the portal chose', async () => {
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin) });
    const page = await (await browser.newContext({ locale: 'es-MX' })).newPage();
    await page.goto(request.url);
    await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
  });
});
