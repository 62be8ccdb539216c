import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { clients, DEVICE_COOKIE, startPortico, usePortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Every form needs its token and Portico's own origin; nothing that
 * changes state answers a GET; every page carries the strict headers, and cookies get the
 * strongest attributes the transport allows (`__Host-`, Secure and HSTS only over TLS).
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

const browser = () => new UserAgent('http://127.0.0.1:9');
const refused = (answer: { response: Response; html?: string }) => {
  expect(answer.response.status).toBe(403);
  expect(answer.html).toContain('Please try again');
  expect(answer.html).toContain('sent from another site');
};

async function signInPage() {
  const rp = await RelyingParty.discover(portico.url, 'firstParty');
  const page = await rp.browser.follow((await rp.authorizationRequest()).url);
  const action = new URL(/action="([^"]+\/login)"/.exec(page.html!)![1]!, page.url).toString();
  return { rp, page, action, csrf: hiddenInput(page.html!, 'csrf')! };
}

/** A form post with a chosen Origin or Fetch Metadata header, as another site's page would send. */
async function postFrom(agent: UserAgent, url: string, form: Record<string, string>, headers: Record<string, string>) {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await fetch(url, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers }, body: new URLSearchParams(form).toString() });
  return { response, html: await response.text() };
}

describe('CSRF', () => {
  it('refuses a sign-in without its token, or from another site, and the page still works afterwards', async () => {
    const user = await portico.createUser();
    const { rp, action, csrf } = await signInPage();
    refused(await rp.browser.follow(action, { form: { login: user.username, password: user.password } }));
    refused(await rp.browser.follow(action, { form: { csrf: 'x'.repeat(43), login: user.username, password: user.password } }));
    refused(await postFrom(rp.browser, action, { csrf, login: user.username, password: user.password }, { origin: 'https://evil.example' }));
    refused(await postFrom(rp.browser, action, { csrf, login: user.username, password: user.password }, { 'sec-fetch-site': 'cross-site' }));
    // None of those counted as a try, and the real form still signs in.
    expect((await findAccountById(db, user.id))!.failed_password_count).toBe(0);
    const done = await rp.browser.follow(action, { form: { csrf, login: user.username, password: user.password } });
    expect(done.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/a\/callback\?code=/);
  });

  it('refuses a token from another sign-in page', async () => {
    const user = await portico.createUser();
    const mine = await signInPage();
    const theirs = await signInPage();
    refused(await mine.rp.browser.follow(mine.action, { form: { csrf: theirs.csrf, login: user.username, password: user.password } }));
  });

  it('creates no ID and sends no mail for a registration or recovery without its token', async () => {
    const agent = browser();
    await agent.follow(`${portico.url}/register`);
    const email = 'forged.registration@example.com';
    refused(await agent.follow(`${portico.url}/register`, { form: { givenName: 'Eve', familyName: 'Forger', birthYear: '1980', email, username: 'forged_user1', password: 'Forged7Horse', confirmPassword: 'Forged7Horse', terms: 'yes' } }));
    expect(await db.selectFrom('accounts').select('id').where('email', '=', email).execute()).toEqual([]);
    const user = await portico.createUser();
    await agent.follow(`${portico.url}/recover/username`);
    refused(await agent.follow(`${portico.url}/recover/username`, { form: { email: user.email } }));
    expect(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', user.email).execute()).toEqual([]);
  });

  it('changes nothing on the account page without the token or from another site', async () => {
    const user = await portico.createUser();
    const agent = browser();
    agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
    const signIn = await agent.follow(`${portico.url}/account`);
    const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
    const page = await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
    expect(page.url).toBe(`${portico.url}/account`);
    refused(await agent.follow(`${portico.url}/account/name`, { form: { givenName: 'Mallory', familyName: 'Forger' } }));
    refused(await postFrom(agent, `${portico.url}/account/name`, { csrf: hiddenInput(page.html!, 'csrf')!, givenName: 'Mallory', familyName: 'Forger' }, { origin: 'https://evil.example' }));
    refused(await agent.follow(`${portico.url}/account/sign-out-everywhere`, { form: { confirm: 'yes' } }));
    expect((await findAccountById(db, user.id))!.given_name).toBe('Jane');
    expect((await agent.follow(`${portico.url}/account`)).url).toBe(`${portico.url}/account`);
  });

  it('answers a GET to any form action without acting on it', async () => {
    const user = await portico.createUser();
    const agent = browser();
    const actions = ['/account/name', '/account/sign-out', '/account/sign-out-everywhere', '/account/devices/forget', '/recover/password/code/resend', '/verify-email/resend'];
    for (const path of actions) {
      const answer = await agent.request(`${portico.url}${path}?givenName=Mallory&email=${encodeURIComponent(user.email)}`);
      expect([404, 405], path).toContain(answer.status);
    }
    // A GET of a form page only shows the form.
    await agent.request(`${portico.url}/recover/username?email=${encodeURIComponent(user.email)}`);
    expect(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', user.email).execute()).toEqual([]);
    expect((await findAccountById(db, user.id))!.given_name).toBe('Jane');
  });
});

describe('headers', () => {
  it('sends a strict policy on every hosted page, with no inline script or style in them', async () => {
    const { page } = await signInPage();
    const pages = [page.response, ...(await Promise.all(['/register', '/recover/password', '/recover/username', '/terms', '/no-such-page'].map((p) => fetch(`${portico.url}${p}`))))];
    for (const response of pages) {
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toMatch(/script-src[^;]*\*/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      // Plain http: no HSTS, which a browser would ignore anyway (RFC 6797 §8.1).
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
    const html = page.html!;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle="/i);
    expect(html).not.toMatch(/\son[a-z]+="/i);
  });

  it('sets HttpOnly, SameSite cookies without Secure over plain http', async () => {
    const response = await fetch(`${portico.url}/register`);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('portico_form='))!;
    expect(cookie).toMatch(/; httponly/i);
    expect(cookie).toMatch(/; samesite=lax/i);
    expect(cookie).not.toMatch(/; secure/i);
  });
});

describe('behind TLS', () => {
  let tls: TestPortico;
  beforeAll(async () => {
    // A TLS-terminating proxy in front: the issuer is https, the proxy says so per request.
    tls = await startPortico({ issuer: 'https://id.portico.test', env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => tls?.stop());

  const jar = new Map<string, string>();
  async function get(pathAndQuery: string, init: { form?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { accept: 'text/html', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.portico.test', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(`${tls.server.url}${pathAndQuery}`, { method: init.form ? 'POST' : 'GET', headers, body: init.form && new URLSearchParams(init.form).toString(), redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value) jar.set(name, value);
    }
    return { response, setCookies, location: response.headers.get('location')?.replace('https://id.portico.test', '') };
  }

  it('sends HSTS, Secure cookies, and __Host- names on every cookie that allows it, through a whole sign-in', async () => {
    const user = await tls.createUser();
    jar.set(`__Host-${DEVICE_COOKIE}`, TEST_DEVICE_TOKEN);
    const auth = await get(`/auth?${new URLSearchParams({ client_id: clients.firstParty.id, redirect_uri: clients.firstParty.redirectUri, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCQaoWrNRUp7w1YTiV6VGVkU', code_challenge_method: 'S256' })}`);
    expect(auth.response.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    const page = await get(auth.location!);
    const html = await page.response.text();
    const signedIn = await get(new URL(/action="([^"]+\/login)"/.exec(html)![1]!, 'https://id.portico.test').pathname, { form: { csrf: hiddenInput(html, 'csrf')!, login: user.username, password: user.password } });
    const resumed = await get(signedIn.location!);
    // The remembered device was read under its __Host- name: no second step, straight back.
    expect(resumed.location).toMatch(/^http:\/\/127\.0\.0\.1:9\/a\/callback\?code=/);
    const all = [...auth.setCookies, ...page.setCookies, ...signedIn.setCookies, ...resumed.setCookies].filter((c) => !/=;|max-age=0|expires=Thu, 01 Jan 1970/i.test(c));
    expect(all.some((c) => c.startsWith('__Host-session='))).toBe(true);
    for (const cookie of all) {
      expect(cookie).toMatch(/; secure/i);
      expect(cookie).toMatch(/; httponly/i);
      expect(cookie).toMatch(/; samesite=lax/i);
      // Only the path-scoped interaction cookies go without the prefix.
      if (!/^__Host-/.test(cookie)) expect(cookie).toMatch(/; path=\/(interaction|auth)\//);
      else expect(cookie).toMatch(/; path=\/(;|$)/);
    }
    const register = await get('/register');
    expect(register.setCookies.find((c) => c.startsWith('__Host-portico_form='))).toMatch(/; secure.*; httponly|; httponly.*; secure/i);
  });
});
