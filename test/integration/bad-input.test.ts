import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { clients, DEVICE_COOKIE, startPortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { registerPasskey, registrationOptions, relyingPartyOf } from '../../src/identity/second-step/passkeys.js';
import { CONTROL, cookieHeader, forgedCredentials, Fuzzer, payloads, rawValues } from '../support/fuzz.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Every form and JSON endpoint fed oversized bodies, NUL and control
 * characters, right-to-left and combining marks, emoji, wrong types, missing fields, SQL and
 * HTML payloads answers 4xx or re-renders: never 5xx, never the payload unescaped, and a
 * refused form stores nothing.
 */

let portico: TestPortico;
let db: Db;
let fuzz: Fuzzer;

beforeAll(async () => {
  // Limits far above what the run sends (a 429 would hide the handler behind it) and a cheap hash.
  const window = { per_ip: { points: 1_000_000 }, per_account: { points: 1_000_000 } };
  const policy = {
    argon2: { memory_kib: 8192, time_cost: 1 },
    rate_limits: { sign_in: window, codes: window, registration: window, recovery: window, legacy_link: window },
    code_failures: { backoff_after: 100 },
  };
  portico = await startPortico({ policy });
  db = portico.server.database.db;
  fuzz = new Fuzzer(portico.url);
});
afterAll(async () => {
  console.log(fuzz.summary());
  await portico?.stop();
});

const browser = () => {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  return agent;
};
const jar = (agent: UserAgent) => () => cookieHeader(agent.cookies);
const csrfOf = (page: { html?: string }) => ({ csrf: hiddenInput(page.html ?? '', 'csrf') ?? '' });
const recoveryCode = async (email: string) => {
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'recovery-code').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
  return /^(\d{10})$/m.exec(mail.text_body)![1]!;
};
const count = async (table: 'accounts' | 'mail_outbox') => Number((await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

/** A sign-in page of a fresh authorization request, in a browser that remembers the test device. */
async function signInPage(which: 'firstParty' | 'strict' = 'firstParty') {
  const rp = await RelyingParty.discover(portico.url, which, browser());
  const page = await rp.browser.follow((await rp.authorizationRequest()).url);
  return { rp, page, action: new URL(formAction(page.html!, /\/login$/)!, page.url).pathname };
}

let seen = 0;
/** No 5xx and no reflected payload since the last check. */
function expectClean() {
  const fresh = fuzz.failures.slice(seen);
  seen = fuzz.failures.length;
  expect(fresh).toEqual([]);
}

describe('hosted forms', () => {
  it('sign-in refuses every bad value with a 4xx or the page again', async () => {
    const { rp, page, action } = await signInPage();
    await fuzz.form('POST /interaction/:uid/login', action, jar(rp.browser), csrfOf(page), { login: 'nobody-at-all', password: 'Some7Password' });
    const interactionPath = new URL(page.url).pathname;
    await fuzz.query('GET /interaction/:uid', interactionPath, jar(rp.browser), { junk: 'x' });
    // Bad values in the path: an interaction uid, a dev outbox message id.
    const inPath = [...Object.entries(payloads).map(([what, value]) => [what, new URLSearchParams({ v: value.slice(0, 4000) }).toString().slice(2)]), ...rawValues.map((raw) => [raw, raw])];
    for (const [what, segment] of inPath) {
      for (const route of ['/interaction/:uid', '/interaction/:uid/login', '/interaction/:uid/access-code', '/dev/outbox/:uid']) {
        const post = route.endsWith('/login') || route.endsWith('/access-code');
        await fuzz.send(`${post ? 'POST' : 'GET'} ${route}`, route.replace(':uid', segment!), post ? { body: 'csrf=x', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar(rp.browser)() } } : { headers: { accept: 'text/html' } }, `path=${what}`);
      }
    }
    expectClean();
  });

  it('registration stores nothing it refuses, and nothing with control characters', async () => {
    const [accountsBefore, mailsBefore] = [await count('accounts'), await count('mail_outbox')];
    const agent = browser();
    const page = await agent.follow(`${portico.url}/register`);
    let n = 0;
    const fresh = () => {
      const id = `${Date.now().toString(36)}${++n}`;
      return {
        givenName: 'Jane', familyName: 'Smith', birthYear: '1980', email: `fuzz.${id}@example.com`, username: `fuzz${id}`,
        password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', question1: 'first_pet', answer1: 'Rex', question2: 'birth_city', answer2: 'Duluth', terms: 'yes',
      };
    };
    const sent = await fuzz.form('POST /register', '/register', jar(agent), csrfOf(page), fresh);
    // Refused values come back in the form, escaped.
    expect(sent.some((s) => s.status === 400 && s.body.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'))).toBe(true);
    const accepted = sent.filter((s) => s.status === 303).length;
    expect(await count('accounts')).toBe(accountsBefore + accepted);
    // One verification mail per registration accepted, none for the refused ones.
    expect(await count('mail_outbox')).toBe(mailsBefore + accepted);
    const rows = await db.selectFrom('accounts').select(['username', 'email', 'given_name', 'family_name']).execute();
    for (const row of rows) for (const value of Object.values(row)) expect(CONTROL.test(String(value ?? '')), JSON.stringify(row)).toBe(false);
    expectClean();
  });

  it('verify-email, its resend, change-email and link pages', async () => {
    const agent = browser();
    const form = await agent.follow(`${portico.url}/register`);
    const id = Date.now().toString(36);
    const done = await agent.follow(`${portico.url}/register`, {
      form: { ...csrfOf(form), givenName: 'Ann', familyName: 'Lee', birthYear: '1980', email: `ver.${id}@example.com`, username: `ver${id}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', question1: 'first_pet', answer1: 'Rex', question2: 'birth_city', answer2: 'Duluth', terms: 'yes' },
    });
    expect(done.url).toBe(`${portico.url}/verify-email`);
    await fuzz.form('POST /verify-email', '/verify-email', jar(agent), csrfOf(done), { code: '0000000000' });
    await fuzz.form('POST /verify-email/resend', '/verify-email/resend', jar(agent), csrfOf(done), {});
    const change = await agent.follow(`${portico.url}/verify-email/change-email`);
    await fuzz.form('POST /verify-email/change-email', '/verify-email/change-email', jar(agent), csrfOf(change), { email: `other.${id}@example.com` });
    await fuzz.query('GET /verify-email/confirm', '/verify-email/confirm', jar(agent), { token: 'A'.repeat(43) });
    await fuzz.form('POST /verify-email/confirm', '/verify-email/confirm', jar(agent), csrfOf(done), { token: 'A'.repeat(43) });
    await fuzz.query('GET /unlock', '/unlock', jar(agent), { token: 'A'.repeat(43) });
    await fuzz.form('POST /unlock', '/unlock', jar(agent), csrfOf(done), { token: 'A'.repeat(43) });
    expectClean();
  });

  it('recovery of a username and a password, through code, questions and the new password', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const agent = browser();
    const username = await agent.follow(`${portico.url}/recover/username`);
    await fuzz.form('POST /recover/username', '/recover/username', jar(agent), csrfOf(username), { email: 'nobody@example.com' });
    const start = await agent.follow(`${portico.url}/recover/password`);
    await fuzz.form('POST /recover/password', '/recover/password', jar(agent), csrfOf(start), { login: 'nobody-at-all' });
    const codePage = await agent.follow(`${portico.url}/recover/password`, { form: { ...csrfOf(start), login: user.username } });
    await fuzz.form('POST /recover/password/code', '/recover/password/code', jar(agent), csrfOf(codePage), { code: '0000000000' });
    await fuzz.form('POST /recover/password/code/resend', '/recover/password/code/resend', jar(agent), csrfOf(codePage), {});
    // The questions come after the right code (they are asked as well, never instead).
    const questions = await agent.follow(`${portico.url}/recover/password/code`, { form: { ...csrfOf(codePage), code: await recoveryCode(user.email) } });
    expect(questions.url).toBe(`${portico.url}/recover/password/questions`);
    await fuzz.form('POST /recover/password/questions', '/recover/password/questions', jar(agent), csrfOf(questions), { answer_first_pet: 'nope', answer_birth_city: 'nope' });
    // Another account (the wrong answers above throttle that one), through the right answers to the new-password form.
    const other = await portico.createUser({ withAnswers: true });
    const again = browser();
    const restart = await again.follow(`${portico.url}/recover/password`);
    const otherCode = await again.follow(`${portico.url}/recover/password`, { form: { ...csrfOf(restart), login: other.username } });
    const q = await again.follow(`${portico.url}/recover/password/code`, { form: { ...csrfOf(otherCode), code: await recoveryCode(other.email) } });
    const newForm = await again.follow(`${portico.url}/recover/password/questions`, { form: { ...csrfOf(q), answer_first_pet: 'Rex the Dog', answer_birth_city: 'Duluth' } });
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    await fuzz.form('POST /recover/password/new', '/recover/password/new', jar(again), csrfOf(newForm), { password: 'Fresh8Meadow', confirmPassword: 'Fresh9Meadow' });
    expectClean();
  });

  it('the second step: the emailed code and the security questions', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const { rp, page } = await signInPage('strict');
    const step = await rp.submitSignIn(page, user.username, user.password);
    const codeAction = new URL(formAction(step.html!, /\/access-code$/)!, step.url).pathname;
    await fuzz.form('POST /interaction/:uid/access-code', codeAction, jar(rp.browser), csrfOf(step), { code: '000000', remember: 'yes' });
    await fuzz.form('POST /interaction/:uid/access-code/resend', `${codeAction}/resend`, jar(rp.browser), csrfOf(step), {});
    const questions = await rp.browser.follow(new URL(codeAction.replace(/access-code$/, 'security-questions'), step.url).toString());
    const action = new URL(formAction(questions.html!, /\/security-questions$/)!, questions.url).pathname;
    await fuzz.form('POST /interaction/:uid/security-questions', action, jar(rp.browser), csrfOf(questions), { answer_first_pet: 'no', answer_birth_city: 'no' });
    expectClean();
  });

  it('the account page forms', async () => {
    const user = await portico.createUser();
    const agent = browser();
    const signIn = await agent.follow(`${portico.url}/account`);
    const page = await agent.follow(new URL(formAction(signIn.html!, /\/login$/)!, signIn.url).toString(), { form: { ...csrfOf(signIn), login: user.username, password: user.password } });
    expect(page.url).toBe(`${portico.url}/account`);
    const forms: Array<[string, Record<string, string>]> = [
      ['/account/name', { givenName: 'Jo', familyName: 'Doe' }],
      ['/account/password', { currentPassword: user.password, password: 'Brand9NewOne', confirmPassword: 'Brand9NewTwo' }],
      ['/account/email', { email: `moved.${user.username}@example.com`, confirmEmail: `moved.${user.username}@example.com` }],
      ['/account/email/confirm', { code: '000000' }],
      ['/account/questions', { currentPassword: user.password, question1: 'first_pet', answer1: 'Tom', question2: 'first_pet', answer2: 'Lima' }],
      ['/account/devices/forget', { device: '0' }],
    ];
    for (const [url, fields] of forms) await fuzz.form(`POST ${url}`, url, jar(agent), csrfOf(page), fields);
    const rows = await db.selectFrom('accounts').select(['given_name', 'family_name', 'email']).where('id', '=', user.id).execute();
    for (const value of Object.values(rows[0]!)) expect(CONTROL.test(String(value)) || String(value).includes('<')).toBe(false);
    await fuzz.query('GET /account/callback', '/account/callback', jar(agent), { code: 'x', state: 'y' });
    expectClean();
  });
});

describe('passkey forms', () => {
  const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  /**
   * Each forged answer into a passkey form's `response`, against a fresh challenge of the page
   * at `pageUrl` (a challenge is answered once): the page again with its message, 400.
   */
  async function forge(endpoint: string, agent: UserAgent, pageUrl: string, kind: 'webauthn.get' | 'webauthn.create', fields: Record<string, string> = {}, credentialId?: string) {
    const names = Object.keys(forgedCredentials(kind, 'x', portico.url));
    for (const what of names) {
      const page = await agent.follow(pageUrl);
      const options = JSON.parse(unescape(/data-passkey="[a-z-]+" data-options="([^"]+)"/.exec(page.html!)![1]!)) as { challenge: string };
      const action = formAction(page.html!, /\/(login\/passkey|passkey|passkeys)$/)!;
      const body = new URLSearchParams({ ...csrfOf(page), ...fields, response: forgedCredentials(kind, options.challenge, portico.url, credentialId)[what]! }).toString();
      const sent = await fuzz.send(endpoint, new URL(action, page.url).pathname, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: jar(agent)() } }, `response=${what}`);
      expect(sent.status, sent.label).toBe(400);
      expect(sent.body, sent.label).toMatch(/role="alert"|class="field-error"|id="passkey-error"/);
    }
  }

  it('the sign-in with a passkey, the passkey second step and the account page refuse forged answers with the page again', async () => {
    const { rp, page } = await signInPage();
    const signInAction = new URL(formAction(page.html!, /\/login\/passkey$/)!, page.url).pathname;
    await fuzz.form('POST /interaction/:uid/login/passkey', signInAction, jar(rp.browser), csrfOf(page), { response: '' });
    await forge('POST /interaction/:uid/login/passkey', rp.browser, page.url, 'webauthn.get');

    // A passkey on the account, so that the strict portal's second step asks for it.
    const user = await portico.createUser({ withAnswers: true });
    const relying = relyingPartyOf(portico.url);
    const account = (await findAccountById(db, user.id))!;
    const key = new SoftAuthenticator();
    expect(await registerPasskey(db, relying, account, 'Key', JSON.stringify(key.register(await registrationOptions(db, relying, account), relying.origin)))).toEqual({ ok: true });
    const strict = await signInPage('strict');
    const step = await strict.rp.submitSignIn(strict.page, user.username, user.password);
    expect(step.url).toMatch(/\/passkey$/);
    await fuzz.form('POST /interaction/:uid/passkey', new URL(step.url).pathname, jar(strict.rp.browser), csrfOf(step), { response: '' });
    await forge('POST /interaction/:uid/passkey', strict.rp.browser, step.url, 'webauthn.get', {}, key.id);

    const agent = browser();
    const signIn = await agent.follow(`${portico.url}/account`);
    const home = await agent.follow(new URL(formAction(signIn.html!, /\/login$/)!, signIn.url).toString(), { form: { ...csrfOf(signIn), login: user.username, password: user.password } });
    expect(home.url).toBe(`${portico.url}/account`);
    const add = await agent.follow(`${portico.url}/account/passkeys`);
    await fuzz.form('POST /account/passkeys', '/account/passkeys', jar(agent), csrfOf(add), { name: 'Key', response: '' });
    await forge('POST /account/passkeys', agent, `${portico.url}/account/passkeys`, 'webauthn.create', { name: 'Forged' });
    await fuzz.form('POST /account/passkeys/remove', '/account/passkeys/remove', jar(agent), csrfOf(home), { passkey: key.id.slice(0, 4) });
    expect((await db.selectFrom('passkeys').select('name').where('account_id', '=', user.id).execute()).map((p) => p.name)).toEqual(['Key']);
    expectClean();
  });
});

describe('oidc-provider endpoints', () => {
  it('token, introspection, revocation, userinfo, authorization and discovery', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    const { firstParty } = clients;
    const auth = { client_id: firstParty.id, client_secret: firstParty.secret };
    const json = () => '';
    await fuzz.form('POST /token (code)', '/token', json, {}, { grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: firstParty.redirectUri, code_verifier: 'v'.repeat(43), ...auth }, 'application/json');
    await fuzz.form('POST /token (refresh)', '/token', json, {}, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, ...auth }, 'application/json');
    await fuzz.form('POST /token/introspection', '/token/introspection', json, {}, { token: tokens.access_token, token_type_hint: 'access_token', ...auth }, 'application/json');
    await fuzz.form('POST /token/revocation', '/token/revocation', json, {}, { token: 'r'.repeat(43), token_type_hint: 'refresh_token', ...auth }, 'application/json');
    await fuzz.form('POST /me', '/me', json, {}, { access_token: tokens.access_token }, 'application/json');
    await fuzz.query('GET /me', '/me', json, { access_token: tokens.access_token });
    for (const [what, value] of Object.entries(payloads)) {
      if (value.length > 4000 || CONTROL.test(value) || /[^\x20-\x7e]/.test(value)) continue;
      await fuzz.send('GET /me', '/me', { headers: { authorization: `Bearer ${value}` } }, `bearer=${what}`);
      await fuzz.send('POST /token (code)', '/token', { headers: { authorization: `Basic ${Buffer.from(`${value}:${value}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }, `basic=${what}`);
    }
    const request = await rp.authorizationRequest();
    const authParams = Object.fromEntries(new URL(request.url).searchParams);
    await fuzz.query('GET /auth', new URL(request.url).pathname, json, authParams, 'text/html');
    await fuzz.query('GET /.well-known/openid-configuration', '/.well-known/openid-configuration', json, { junk: 'x' });
    await fuzz.query('GET /jwks', '/jwks', json, { junk: 'x' });
    expectClean();
    expect(fuzz.tried).toBeGreaterThan(300);
  });
});
