import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { Db } from '../../src/storage/database.js';
import { clients, portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { postForm, registerPage } from '../support/portal-forms.js';

/*
 * The identity check of an account type: the registration page asks the fields the policy
 * names, the plan's verifier (a fake on 127.0.0.1 here) is asked before any ID is made, and
 * its four answers each get their page. A match's subject id reaches the portal the policy
 * lists, in the ID token and userinfo, and no other portal. Neither the verifier's secret nor
 * what was typed in those fields reaches the log.
 */

const SECRET = 'plan-verifier-secret-7f3a9c2e51';
const OTHER = { id: 'portal-e', secret: 'portal-e-secret-0123456789abcdef', redirectUri: `${portalOrigin}/e/callback` };

let portico: TestPortico;
let db: Db;
let verifier: Server;
const received: Array<{ authorization?: string; body: unknown }> = [];
const lines: string[] = [];

/** The fake plan: the member id decides the answer. */
function answer(memberId: string, res: import('node:http').ServerResponse): void {
  if (memberId === 'M-500') return void res.writeHead(500).end();
  if (memberId === 'M-SLOW') return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"match":true,"subject":"late"}'), 5000);
  if (memberId.startsWith('M-OK')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ match: true, subject: `PLAN-${memberId.slice(5)}` }));
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"match":false}');
}

beforeAll(async () => {
  verifier = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { fields: { member_id: string } };
      received.push({ authorization: req.headers.authorization, body: parsed });
      if (req.headers.authorization !== `Bearer ${SECRET}`) return void res.writeHead(403).end();
      answer(parsed.fields.member_id, res);
    });
  });
  await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/check`;
  portico = await startPortico({
    env: { PLAN_VERIFIER_SECRET: SECRET },
    logger: createLogger('trace', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) })),
    extraClients: [{ client_id: OTHER.id, client_name: 'Portal E', client_secret: OTHER.secret, redirect_uris: [OTHER.redirectUri], first_party: true }],
    policy: {
      rate_limits: { registration: { per_ip: { points: 0 } } },
      account_types: [
        {
          id: 'member',
          label: { en: 'Member', es: 'Afiliado' },
          self_registration: true,
          identity_check: {
            type: 'http',
            url,
            secret_env: 'PLAN_VERIFIER_SECRET',
            timeout_ms: 300,
            fields: [
              { id: 'member_id', kind: 'text', max_length: 12, label: { en: 'Member ID', es: 'Número de afiliado' } },
              { id: 'date_of_birth', kind: 'date', label: { en: 'Date of birth', es: 'Fecha de nacimiento' } },
            ],
            portals: [clients.firstParty.id],
          },
        },
      ],
    },
  });
  db = portico.server.database.db;
});
afterAll(async () => {
  await portico?.stop();
  verifier?.closeAllConnections();
  await new Promise((resolve) => verifier?.close(resolve));
});

let counter = 0;

function validForm(memberId: string, overrides: Record<string, string> = {}): Record<string, string> {
  const n = `${Date.now().toString(36)}${++counter}`;
  return {
    givenName: 'Rosa',
    familyName: 'Planholder',
    birthYear: '1980',
    email: `rosa.${n}@example.com`,
    username: `rosaplan${n}`,
    password: 'Bright7Harbour',
    confirmPassword: 'Bright7Harbour',
    terms: 'yes',
    'idcheck-member-member_id': memberId,
    'idcheck-member-date_of_birth': '1980-04-23',
    ...overrides,
  };
}

const fieldError = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];
const accountByUsername = (username: string) => db.selectFrom('accounts').select('id').where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();


describe('registration with an identity check', () => {
  it('shows the type\'s fields, in Spanish too, and refuses missing or malformed ones beside them without asking the plan', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await registerPage(rp);
    expect(page.html).toContain('<legend>Your Member details</legend>');
    expect(page.html).toMatch(/<label for="idcheck-member-member_id">Member ID<\/label>/);
    expect(page.html).toMatch(/id="idcheck-member-date_of_birth" name="idcheck-member-date_of_birth" type="date"/);
    const spanish = await (await fetch(`${portico.url}/register`, { headers: { 'accept-language': 'es' } })).text();
    expect(spanish).toContain('Sus datos de Afiliado');
    expect(spanish).toContain('Número de afiliado');

    const asked = received.length;
    const form = validForm('', { 'idcheck-member-date_of_birth': '1980-02-30' });
    const refused = await postForm(rp, page, /\/register$/, form);
    expect(refused.response.status).toBe(400);
    expect(fieldError(refused.html!, 'idcheck-member-member_id')).toBe('Enter this to continue.');
    expect(fieldError(refused.html!, 'idcheck-member-date_of_birth')).toBe('Enter a real date as year-month-day, for example 1980-04-23.');
    expect(refused.html).toContain('href="#idcheck-member-member_id"');
    const tooLong = await postForm(rp, refused, /\/register$/, validForm('M-1234567890123'));
    expect(fieldError(tooLong.html!, 'idcheck-member-member_id')).toBe('Too long: use at most 12 characters.');
    expect(received.length).toBe(asked);
  });

  it('"no match" gets one error beside the fields that names nothing else, keeps what was typed, and creates nothing', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await registerPage(rp);
    const form = validForm('M-NOBODY');
    const refused = await postForm(rp, page, /\/register$/, form);
    expect(refused.response.status).toBe(400);
    expect(fieldError(refused.html!, 'idcheck-member')).toBe('We couldn&#39;t confirm these details. Check them against your card or records and try again.');
    expect(refused.html).toContain('aria-describedby="idcheck-member-error"');
    expect(fieldError(refused.html!, 'idcheck-member-member_id')).toBeUndefined();
    expect(refused.html).toContain('value="M-NOBODY"');
    expect(await accountByUsername(form.username!)).toBeUndefined();
    expect(received.at(-1)).toEqual({ authorization: `Bearer ${SECRET}`, body: { account_type: 'member', fields: { member_id: 'M-NOBODY', date_of_birth: '1980-04-23' } } });
  });

  it('a plan that answers 500 or not in time gets "try again later" (503), and nothing is created', async () => {
    for (const memberId of ['M-500', 'M-SLOW']) {
      const rp = await RelyingParty.discover(portico.url);
      const { page } = await registerPage(rp);
      const form = validForm(memberId);
      const started = Date.now();
      const down = await postForm(rp, page, /\/register$/, form);
      expect(down.response.status).toBe(503);
      expect(down.html).toContain('We can&#39;t create your ID right now');
      expect(down.html).toContain('Nothing was saved. Try again in a few minutes.');
      // The policy's 300 ms, not the plan's 5 s: the page does not wait for a late answer.
      expect(Date.now() - started).toBeLessThan(4000);
      expect(await accountByUsername(form.username!)).toBeUndefined();
    }
    expect(await db.selectFrom('identity_check_subjects').select('subject').where('subject', '=', 'late').execute()).toEqual([]);
  });

  it('a match makes the ID; the subject id reaches the listed portal\'s ID token and userinfo, and not another portal', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { request, page } = await registerPage(rp);
    const form = validForm('M-OK-4711');
    const waiting = await postForm(rp, page, /\/register$/, form);
    expect(waiting.url).toMatch(/\/interaction\/[^/]+\/verify-email$/);
    const account = (await accountByUsername(form.username!))!;
    expect(await db.selectFrom('identity_check_subjects').select(['account_type', 'subject']).where('account_id', '=', account.id).execute()).toEqual([{ account_type: 'member', subject: 'PLAN-4711' }]);

    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', form.email!).where('template', '=', 'verify-email').executeTakeFirstOrThrow();
    const enrol = await postForm(rp, waiting, /\/verify-email$/, { code: /^(\d{10})$/m.exec(mail.text_body)![1]! });
    const back = await postForm(rp, enrol, /\/enrol-questions$/, { question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' });
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    const tokens = await rp.exchange(back.url, request);
    expect(tokens.claims()).toMatchObject({ sub: account.id, plan_subject_id: 'PLAN-4711' });
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, account.id)).toMatchObject({ plan_subject_id: 'PLAN-4711' });

    // Another portal, same browser (its session): the same person, no subject id.
    const other = await RelyingParty.discover(portico.url, OTHER, rp.browser);
    const otherRequest = await other.authorizationRequest();
    const landed = await other.browser.follow(otherRequest.url);
    expect(landed.url.startsWith(`${portalOrigin}/e/callback`)).toBe(true);
    const otherTokens = await other.exchange(landed.url, otherRequest);
    expect(otherTokens.claims()).toMatchObject({ sub: account.id });
    expect(otherTokens.claims()).not.toHaveProperty('plan_subject_id');
    expect(await oidc.fetchUserInfo(other.config, otherTokens.access_token, account.id)).not.toHaveProperty('plan_subject_id');
  });

  it('never logs the verifier\'s secret or what was typed in the check\'s fields', async () => {
    expect(received.length).toBeGreaterThan(3);
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(1000);
    for (const value of [SECRET, 'M-NOBODY', 'M-OK-4711', 'PLAN-4711', '1980-04-23', 'M-SLOW']) expect(log).not.toContain(value);
  });
});

describe('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the form with the check\'s fields, refused with "no match", has no violations in English or Spanish', async () => {
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const browser = await launchBrowser();
    try {
      for (const [locale, legend, label, submit, alert] of [
        ['en', 'Your Member details', 'Member ID', 'Create my ID', 'couldn\'t confirm these details'],
        ['es', 'Sus datos de Afiliado', 'Número de afiliado', null, 'No pudimos confirmar estos datos'],
      ] as const) {
        const page = await (await browser.newContext({ locale })).newPage();
        await page.goto(`${portico.url}/register`);
        await page.getByRole('group', { name: legend }).waitFor();
        expect(await accessibilityViolations(page)).toEqual([]);
        const form = validForm('M-NOBODY');
        for (const name of ['givenName', 'familyName', 'birthYear', 'email', 'username', 'password', 'confirmPassword', 'idcheck-member-member_id', 'idcheck-member-date_of_birth']) await page.locator(`[name="${name}"]`).fill(form[name]!);
        await page.locator('#terms').check();
        await (submit ? page.getByRole('button', { name: submit }) : page.locator('button.primary')).click();
        await page.locator('#idcheck-member-error').waitFor();
        expect(await page.locator('#idcheck-member-error').textContent()).toContain(alert);
        expect(await page.getByLabel(label).inputValue()).toBe('M-NOBODY');
        expect(await accessibilityViolations(page)).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  });
});
