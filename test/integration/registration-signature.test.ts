import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { postForm, registerPage } from '../support/portal-forms.js';

/*
 * Terms that ask for a signature (terms.require_signature): "Create an ID" asks for the typed
 * name beside the terms box, refuses one that is not the names typed above beside the field,
 * stores the right one as the later-version prompt does, and the first sign-in does not ask again.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  policy: { rate_limits: { registration: { per_ip: { points: 0 } } }, registration: { terms: { version: '2026-11', require_signature: true } } },
});


let counter = 0;
function validForm(overrides: Record<string, string> = {}): Record<string, string> {
  const n = `${Date.now().toString(36)}${++counter}`;
  return {
    givenName: 'María José',
    familyName: 'Núñez',
    birthYear: '1980',
    email: `mj.${n}@example.com`,
    username: `mjnunez${n}`,
    password: 'Bright7Harbour',
    confirmPassword: 'Bright7Harbour',
    terms: 'yes',
    ...overrides,
  };
}

const fieldError = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];


const accountByUsername = (username: string) =>
  db.selectFrom('accounts').selectAll().where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();

describe('registration with terms that ask for a signature', () => {
  it('asks for the name beside the terms box and refuses an empty or wrong one there, creating nothing', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await registerPage(rp);
    expect(page.html).toContain('name="signature"');
    expect(page.html).toContain('Type your first and last name as your signature');

    const form = validForm();
    const empty = await postForm(rp, page, /\/register$/, form);
    expect(empty.response.status).toBe(400);
    expect(fieldError(empty.html!, 'signature')).toBe('Type your first and last name as you entered them above.');
    expect(empty.html).toContain('href="#signature"');

    const wrong = await postForm(rp, empty, /\/register$/, { ...form, signature: 'Someone Else' });
    expect(wrong.response.status).toBe(400);
    expect(fieldError(wrong.html!, 'signature')).toBe('Type your first and last name as you entered them above.');
    expect(wrong.html).toContain('value="Someone Else"');
    expect(fieldError(wrong.html!, 'givenName')).toBeUndefined();
    expect(await accountByUsername(form.username!)).toBeUndefined();
  });

  it('stores the right name with the accepted version and its audit, and the first sign-in does not ask again', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { request, page } = await registerPage(rp);
    const form = validForm({ signature: '  maria josé   NÚÑEZ ' });
    // The same rule as the later-version prompt: case and spacing do not matter; accents do.
    const accentless = await postForm(rp, page, /\/register$/, { ...form, signature: 'Maria Jose Nunez' });
    expect(fieldError(accentless.html!, 'signature')).toBeDefined();
    const waiting = await postForm(rp, accentless, /\/register$/, { ...form, signature: '  maría josé   NÚÑEZ ' });
    expect(waiting.url).toMatch(/\/interaction\/[^/]+\/verify-email$/);

    const account = (await accountByUsername(form.username!))!;
    expect(account).toMatchObject({ terms_version: '2026-11', terms_signature: 'maría josé   NÚÑEZ', email_verified_at: null });
    expect(account.terms_accepted_at).toBeInstanceOf(Date);
    const audit = await db.selectFrom('audit_events').select(['action', 'details']).where('account_id', '=', account.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['terms.accepted', 'account.registered', 'verification.sent']);
    expect(audit[0]!.details).toMatchObject({ version: '2026-11', signed: true });

    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', form.email!).where('template', '=', 'verify-email').executeTakeFirstOrThrow();
    const code = /^(\d{10})$/m.exec(mail.text_body)![1]!;
    const enrol = await postForm(rp, waiting, /\/verify-email$/, { code });
    expect(enrol.url).toMatch(/\/enrol-questions$/);
    const back = await postForm(rp, enrol, /\/enrol-questions$/, { question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' });
    // Straight back to the portal: no terms page between.
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    expect(back.html ?? '').not.toContain('Please read and accept our terms');
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ email_verified: true, preferred_username: form.username });
  });
});

describe.skipIf(!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'))('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the form with its signature field, refused, has no violations', async () => {
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${portico.url}/register`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel('Type your first and last name as your signature').fill('Someone Else');
      await page.getByRole('button', { name: 'Create my ID' }).click();
      await page.getByText('Check the fields marked below.').waitFor();
      expect(await page.locator('#signature-error').textContent()).toContain('as you entered them above');
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
