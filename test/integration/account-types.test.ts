import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Account types of the policy: "I am a…" on the registration page when more than one type may
 * register itself, the type in the account_type claim, and recovery through the help desk for
 * the types whose policy says so, with pages that do not tell such IDs apart.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  policy: {
    rate_limits: { registration: { per_ip: { points: 0 } } },
    second_step: { require_security_questions: false, access_code: { resend_throttle_seconds: 0 } },
    lockout: { help_desk: 'Call 1-800-555-0100.' },
    account_types: [
      { id: 'member', label: { en: 'Member', es: 'Afiliado' }, self_registration: true },
      { id: 'student', label: { en: 'Student', es: 'Estudiante' }, self_registration: true },
      { id: 'provider', label: { en: 'Provider' }, needs_organization: true, recovery: 'help_desk' },
    ],
  },
});

const browser = () => new UserAgent('http://127.0.0.1:9');
type Page = Awaited<ReturnType<UserAgent['follow']>>;

let counter = 0;
function validForm(overrides: Record<string, string> = {}): Record<string, string> {
  const n = `${Date.now().toString(36)}${++counter}`;
  return { givenName: 'Jane', familyName: 'Smith', birthYear: '1980', email: `jane.${n}@example.com`, username: `jane${n}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes', ...overrides };
}

async function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string>) {
  return agent.follow(new URL(formAction(page.html!, pattern)!, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

const fieldError = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];
const mails = (to: string, template: string) => db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).where('template', '=', template).execute();
const neutral = (html: string) => html.replace(/name="csrf" value="[^"]+"/g, '').replace(/<strong>[^<]*<\/strong>/g, '');

describe('registration with more than one self-registrable type', () => {
  it('asks "I am a…" with the types people may pick, in the page\'s language', async () => {
    const agent = browser();
    const page = await agent.follow(`${portico.url}/register`);
    expect(page.html).toMatch(/<fieldset class="choices">\s*<legend>I am a…<\/legend>/);
    expect(page.html).toContain('name="accountType" type="radio" value="member"');
    expect(page.html).toContain('<label for="accountType-student">Student</label>');
    expect(page.html).not.toContain('value="provider"');
    agent.headers['accept-language'] = 'es';
    const spanish = await agent.follow(`${portico.url}/register`);
    expect(spanish.html).toContain('<legend>Soy…</legend>');
    expect(spanish.html).toContain('>Estudiante</label>');
  });

  it('refuses no type, an unknown one and one people may not pick beside the field, and creates nothing', async () => {
    for (const accountType of [undefined, 'dentist', 'provider']) {
      const agent = browser();
      const form = validForm(accountType ? { accountType } : {});
      const refused = await post(agent, await agent.follow(`${portico.url}/register`), /\/register$/, form);
      expect(refused.response.status).toBe(400);
      expect(fieldError(refused.html!, 'accountType')).toBe('Choose what kind of ID you need.');
      expect(refused.html).toContain('<a href="#accountType">I am a…: Choose what kind of ID you need.</a>');
      expect(await db.selectFrom('accounts').select('id').where('username', '=', form.username!).execute()).toEqual([]);
    }
  });

  it('stores and audits the type picked, and releases it to a portal that asks for the account_type scope', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest({ scope: 'openid profile email account_type' });
    const signIn = await rp.browser.follow(request.url);
    const page = await rp.browser.follow(new URL(/href="(\/interaction\/[^"]+\/register)"/.exec(signIn.html!)![1]!, signIn.url).toString());
    const form = validForm({ accountType: 'student' });
    const waiting = await post(rp.browser, page, /\/register$/, form);
    expect(waiting.url).toMatch(/\/verify-email$/);
    const account = await db.selectFrom('accounts').select(['id', 'account_type']).where('username', '=', form.username!).executeTakeFirstOrThrow();
    expect(account.account_type).toBe('student');
    const audit = await db.selectFrom('audit_events').select('details').where('account_id', '=', account.id).where('action', '=', 'account.registered').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ account_type: 'student' });

    const mail = (await mails(form.email!, 'verify-email'))[0]!;
    const back = await post(rp.browser, waiting, /\/verify-email$/, { code: /^(\d{10})$/m.exec(mail.text_body)![1]! });
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    const tokens = await rp.exchange(back.url, request);
    expect(tokens.claims()).toMatchObject({ preferred_username: form.username, account_type: 'student' });
  });
});

describe('recovery of a type the help desk recovers', () => {
  async function provider() {
    const user = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'provider' }).where('id', '=', user.id).execute();
    return user;
  }

  async function ask(path: string, field: string, value: string) {
    const agent = browser();
    return post(agent, await agent.follow(`${portico.url}${path}`), new RegExp(`${path}$`), { [field]: value });
  }

  it('forgot password: the page of an unknown username, and the help desk\'s words by mail instead of a code', async () => {
    const user = await provider();
    const member = await portico.createUser();
    const [asProvider, asUnknown, asMember] = [await ask('/recover/password', 'login', user.username), await ask('/recover/password', 'login', 'no-such-user-anywhere'), await ask('/recover/password', 'login', member.username)];
    expect([asProvider.url, asUnknown.url]).toEqual([`${portico.url}/recover/password/code`, `${portico.url}/recover/password/code`]);
    expect(neutral(asProvider.html!)).toBe(neutral(asUnknown.html!));
    expect(neutral(asProvider.html!)).toBe(neutral(asMember.html!));
    expect(await mails(user.email, 'recovery-code')).toEqual([]);
    const [mail] = await mails(user.email, 'recovery-help-desk');
    expect(mail!.subject).toBe('Resetting your Portico password');
    expect(mail!.text_body).toContain('Call 1-800-555-0100.');
    expect(mail!.text_body).not.toMatch(/\d{10}/);
    expect(await mails(member.email, 'recovery-code')).toHaveLength(1);
  });

  it('forgot username: the page of an unknown address, and the help desk\'s words by mail instead of the username', async () => {
    const user = await provider();
    const [asProvider, asUnknown] = [await ask('/recover/username', 'email', user.email), await ask('/recover/username', 'email', 'nobody.here@example.com')];
    expect(neutral(asProvider.html!)).toBe(neutral(asUnknown.html!));
    expect(await mails(user.email, 'forgot-username')).toEqual([]);
    const [mail] = await mails(user.email, 'recovery-help-desk');
    expect(mail!.text_body).toContain('Call 1-800-555-0100.');
    // The forgot-username mail lists the username on a line of its own; this one has none.
    expect(mail!.text_body).not.toMatch(new RegExp(`^\\s*${user.username}$`, 'm'));
  });
});

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
describe.skipIf(!existsSync(chromium))('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the registration page with its type question, unanswered and refused, has no violations', async () => {
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const chrome = await launchBrowser();
    try {
      const page = await (await chrome.newContext()).newPage();
      await page.goto(`${portico.url}/register`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create my ID' }).click();
      await page.getByText('Check the fields marked below.').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('group', { name: 'I am a…' }).getByLabel('Student').check();
    } finally {
      await chrome.close();
    }
  });
});
