import { describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, usePortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The account overview and its focused pages: each form on its own page, a saved change
 * confirmed there once (a signed one-shot message, never words from the address bar), and
 * the last sign-in on every page.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PAGES = ['/account/profile', '/account/email', '/account/password', '/account/security', '/account/sessions'];

type Page = Awaited<ReturnType<UserAgent['follow']>>;

async function openAccount(user: { username: string; password: string }, path = '/account') {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.headers['user-agent'] = CHROME_ON_LINUX;
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const signIn = await agent.follow(`${portico.url}${path}`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  const page = await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
  return { agent, page, signIn };
}

const post = (agent: UserAgent, page: Page, path: string, form: Record<string, string>) =>
  agent.request(`${portico.url}${path}`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
const status = (html: string | undefined) => /<div class="notice" role="status">([^<]*)<\/div>/.exec(html ?? '')?.[1];
const actions = (html: string) => [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!).filter((a) => a !== '/language');

describe('the account overview and its pages', () => {
  it('links to a focused page for each part; each form lives on its page; "Security questions" is one heading', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    expect(page.url).toBe(`${portico.url}/account`);
    for (const path of PAGES) expect(page.html).toContain(`href="${path}"`);
    expect(actions(page.html!)).toEqual(['/account/sign-out']);
    const forms: Record<string, string[]> = {};
    for (const path of PAGES) {
      const focused = await agent.follow(`${portico.url}${path}`);
      expect([focused.url, focused.response.status]).toEqual([`${portico.url}${path}`, 200]);
      expect(focused.html).toContain('href="/account">Back to your account</a>');
      forms[path] = actions(focused.html!);
      if (path === '/account/security') expect(focused.html!.match(/>Security questions</g)).toHaveLength(1);
    }
    expect(forms['/account/profile']).toEqual(['/account/name']);
    expect(forms['/account/email']).toEqual(['/account/email']);
    expect(forms['/account/password']).toEqual(['/account/password']);
    expect(forms['/account/security']).toEqual(expect.arrayContaining(['/account/questions', '/account/devices/forget']));
    expect(forms['/account/sessions']).toEqual(['/account/sign-out-everywhere', '/account/sign-out']);
  });

  it('signs in straight to the page asked for', async () => {
    const user = await portico.createUser();
    const { page } = await openAccount(user, '/account/security');
    expect(page.url).toBe(`${portico.url}/account/security`);
  });

  it('shows the last sign-in, its time and browser in broad terms, on every page, in English and Spanish', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    expect(page.html).toMatch(/Last sign-in: [^<]+ UTC, Chrome on Linux\./);
    for (const path of PAGES) expect((await agent.follow(`${portico.url}${path}`)).html).toContain(', Chrome on Linux.');
    agent.cookies.set('portico_lang', 'es');
    const spanish = await agent.follow(`${portico.url}/account/profile`);
    expect(spanish.html).toMatch(/Último inicio de sesión: [^<]+ UTC, Chrome en Linux\./);
  });

  it('comes back to the form\'s page after a post, saying once what was saved; a made-up message is never shown', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const saved = await post(agent, page, '/account/name', { givenName: 'Janet', familyName: 'Smythe' });
    expect([saved.status, saved.headers.get('location')]).toEqual([303, '/account/profile']);
    const shown = await agent.follow(`${portico.url}/account/profile`);
    expect(status(shown.html)).toBe('Your name was saved.');
    expect(status((await agent.follow(`${portico.url}/account/profile`)).html)).toBeUndefined();
    // Neither the address bar nor a hand-made cookie puts words on the page.
    expect(status((await agent.follow(`${portico.url}/account/profile?notice=Call%20us%20now`)).html)).toBeUndefined();
    const forged = Buffer.from(JSON.stringify({ key: 'account.notice.name', vars: {} })).toString('base64url');
    agent.cookies.set('portico_account_notice', `${forged}.bm90LWEtbWFj`);
    expect(status((await agent.follow(`${portico.url}/account/profile`)).html)).toBeUndefined();
  });

  it('confirms the email change, a forgotten device and signing out elsewhere on their pages', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const target = `moved.${user.username}@example.com`;
    await post(agent, page, '/account/email', { email: target, confirmEmail: target, currentPassword: user.password });
    const waiting = await agent.follow(`${portico.url}/account/email`);
    expect(status(waiting.html)).toBe(`If ${target} can be used, we sent a code to it. Enter it below to switch.`);
    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', target).executeTakeFirstOrThrow();
    const confirmed = await post(agent, page, '/account/email/confirm', { code: /^(\d{6})$/m.exec(mail.text_body)![1]! });
    expect(confirmed.headers.get('location')).toBe('/account/email');
    expect(status((await agent.follow(`${portico.url}/account/email`)).html)).toBe('Your email address was changed.');

    const [device] = await db.selectFrom('trusted_devices').select('id').where('account_id', '=', user.id).execute();
    expect((await post(agent, page, '/account/devices/forget', { device: String(device!.id) })).headers.get('location')).toBe('/account/security');
    expect(status((await agent.follow(`${portico.url}/account/security`)).html)).toMatch(/^The device was forgotten\./);

    expect((await post(agent, page, '/account/sign-out-everywhere', {})).headers.get('location')).toBe('/account/sessions');
    const sessions = await agent.follow(`${portico.url}/account/sessions`);
    expect([sessions.url, status(sessions.html)]).toEqual([`${portico.url}/account/sessions`, expect.stringMatching(/^You were signed out everywhere else\./)]);
  });

  it('shows a refused form on its own page, and returns there after the sign-in a sensitive change asks for', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const refused = await post(agent, page, '/account/questions', { currentPassword: 'Not7Mine', question1: 'first_pet', answer1: 'Rex', question2: 'first_car', answer2: 'Lada' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('<h1>Security</h1>');
    expect(html).toContain('id="questionsPassword-error"');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    try {
      const stale = await post(agent, page, '/account/password', { currentPassword: user.password, password: 'Brand9NewOne', confirmPassword: 'Brand9NewOne' });
      const signIn = await agent.follow(stale.headers.get('location')!);
      const back = await agent.follow(new URL(/action="([^"]+\/login)"/.exec(signIn.html!)![1]!, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
      expect(back.url).toBe(`${portico.url}/account/password`);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the sign-in pages', () => {
  it('offer "Cancel and return to the portal" to a portal\'s sign-in, not to the account page\'s own', async () => {
    const user = await portico.createUser();
    const { signIn } = await openAccount(user);
    expect(signIn.html).toContain('name="password"');
    expect(signIn.html).not.toContain('Cancel and return to the portal');
    const rp = await RelyingParty.discover(portico.url);
    expect((await rp.browser.follow((await rp.authorizationRequest()).url)).html).toContain('Cancel and return to the portal');
  });

  it('offer no portal to cancel to on the steps after the account page\'s own sign-in (terms, new password, locked), and keep it for a portal\'s', async () => {
    const CANCEL = 'Cancel and return to the portal';
    const firstTerms = await portico.createUser();
    await db.updateTable('accounts').set({ terms_version: null, terms_accepted_at: null }).where('id', '=', firstTerms.id).execute();
    const terms = (await openAccount(firstTerms)).page;
    expect(terms.html).toContain('Please read and accept our terms');
    expect(terms.html).not.toContain(CANCEL);

    const flagged = await portico.createUser();
    await db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', flagged.id).execute();
    const newPassword = (await openAccount(flagged)).page;
    expect(newPassword.html).toContain('Update your password');
    expect(newPassword.html).not.toContain(CANCEL);
    const rp = await RelyingParty.discover(portico.url);
    const fromPortal = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), flagged.username, flagged.password);
    expect(fromPortal.html).toContain('Update your password');
    expect(fromPortal.html).toContain(CANCEL);

    const guessed = await portico.createUser();
    let locked: Page | undefined;
    for (let i = 0; i < 5; i++) locked = (await openAccount({ username: guessed.username, password: `Wrong${i}Horse9` })).page;
    expect(locked!.html).toContain('sign in just yet');
    expect(locked!.html).not.toContain(CANCEL);
  });

  it('tell a person who asks for a new code too soon to wait with a neutral notice, not an error', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const rp = await RelyingParty.discover(portico.url);
    rp.browser.cookies.clear();
    const code = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    const action = formAction(code.html!, /\/access-code\/resend$/)!;
    const again = await rp.browser.follow(new URL(action, code.url).toString(), { form: { csrf: hiddenInput(code.html!, 'csrf')! } });
    expect(again.response.status).toBe(429);
    expect(status(again.html)).toMatch(/^We just sent a code\. You can ask for a new one in \d+ seconds?\.$/);
    expect(again.html).not.toContain('role="alert"');
  });
});
