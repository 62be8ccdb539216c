import { describe, expect, it, vi } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, usePortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The account page behind the same sign-in. Each change needs what a person
 * would expect (current password, a confirmed code, a recent sign-in), writes an audit event
 * and mails the owner.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

type Page = Awaited<ReturnType<UserAgent['follow']>>;

/** Signs in to /account in a browser that remembers the test device. */
async function openAccount(user: { username: string; password: string }) {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const signIn = await agent.follow(`${portico.url}/account`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  const page = await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
  expect(page.url).toBe(`${portico.url}/account`);
  return { agent, page };
}

async function submit(agent: UserAgent, page: Page, path: string, form: Record<string, string>) {
  return agent.follow(`${portico.url}${path}`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

const mails = (to: string, template: string) => db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).where('template', '=', template).execute();
const actions = async (accountId: string) => (await db.selectFrom('audit_events').select('action').where('account_id', '=', accountId).execute()).map((e) => e.action);
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

describe('the account page', () => {
  it('changes the password with the current one, signs out everything else, and tells the owner', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const portal = await rp.signIn(user.username, user.password);
    await nextSecond();
    const { agent, page } = await openAccount(user);
    const wrong = await submit(agent, page, '/account/password', { currentPassword: 'Not7Mine', password: 'Brand9NewOne', confirmPassword: 'Brand9NewOne' });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('id="currentPassword-error">That is not your current password.');
    const done = await submit(agent, wrong, '/account/password', { currentPassword: user.password, password: 'Brand9NewOne', confirmPassword: 'Brand9NewOne' });
    expect(done.html).toContain('Your password was changed.');
    await expect(oidc.refreshTokenGrant(rp.config, portal.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The account page itself stays signed in.
    expect((await agent.follow(`${portico.url}/account`)).url).toBe(`${portico.url}/account`);
    expect(await mails(user.email, 'password-changed')).toHaveLength(1);
    expect(await actions(user.id)).toContain('password.changed');
  });

  it('changes the email only once the code sent to the new address is confirmed, and tells the old address', async () => {
    const user = await portico.createUser();
    const other = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const currentPassword = user.password;
    const mismatch = await submit(agent, page, '/account/email', { email: 'new.home@example.com', confirmEmail: 'new.hom@example.com', currentPassword });
    expect(mismatch.html).toContain('id="confirmEmail-error">The addresses do not match.');
    const taken = await submit(agent, page, '/account/email', { email: other.email, confirmEmail: other.email, currentPassword });
    const free = await submit(agent, page, '/account/email', { email: `moved.${user.username}@example.com`, confirmEmail: `moved.${user.username}@example.com`, currentPassword });
    const notice = (html: string) => /role="status">If [^ ]+ can be used, we sent a code to it\./.test(html);
    expect([taken.response.status, notice(taken.html!), free.response.status, notice(free.html!)]).toEqual([200, true, 200, true]);
    expect(await mails(other.email, 'recovery-code')).toEqual([]);
    const [codeMail] = await mails(`moved.${user.username}@example.com`, 'recovery-code');
    expect((await findAccountById(db, user.id))!.email).toBe(user.email);
    const code = /^(\d{6})$/m.exec(codeMail!.text_body)![1]!;
    await submit(agent, free, '/account/email/confirm', { code });
    expect((await findAccountById(db, user.id))!.email).toBe(`moved.${user.username}@example.com`);
    expect((await mails(user.email, 'account-changed'))[0]!.text_body).toContain(`your email address, to moved.${user.username}@example.com`);
    // The new address is not proved yet: its code mail greets nobody by name.
    expect(codeMail!.text_body).toMatch(/^Hello,$/m);
  });

  it('changes the email only with the current password, even within a fresh session', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const target = `taken.over.${user.username}@example.com`;
    for (const currentPassword of ['', 'Not7Mine']) {
      const refused = await submit(agent, page, '/account/email', { email: target, confirmEmail: target, currentPassword });
      expect(refused.response.status).toBe(400);
      expect(refused.html).toContain('id="emailPassword-error">That is not your current password.');
    }
    expect(await mails(target, 'recovery-code')).toEqual([]);
  });

  it('ends when the person signs out through a portal: the next person at the browser gets a sign-in page', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    // The same browser at a portal (single sign-on), then "Sign out" there: RP-initiated logout.
    const rp = await RelyingParty.discover(portico.url, 'firstParty', agent);
    const portal = await rp.signIn(user.username, user.password);
    const ask = await agent.follow(`${portico.url}/session/end?id_token_hint=${portal.tokens.id_token}`);
    expect(ask.html).toContain('Yes, sign me out');
    const confirm = new URL(/action="([^"]+)"/.exec(ask.html!)![1]!, ask.url).toString();
    await agent.follow(confirm, { form: { xsrf: hiddenInput(ask.html!, 'xsrf')!, logout: 'yes' } });

    // The next person: the account page asks to sign in, and its old form changes nothing.
    const next = await agent.request(`${portico.url}/account`);
    expect(next.status).toBe(303);
    expect(new URL(next.headers.get('location')!).pathname).toBe('/auth');
    expect((await agent.follow(`${portico.url}/account`)).html).toContain('name="password"');
    const target = `next.person.${user.username}@example.com`;
    const attempt = await agent.request(`${portico.url}/account/email`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, email: target, confirmEmail: target } });
    expect(attempt.status).toBe(303);
    expect(new URL(attempt.headers.get('location')!).pathname).toBe('/auth');
    expect(await mails(target, 'recovery-code')).toEqual([]);
  });

  it('asks for a recent sign-in before a sensitive change', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    try {
      const stale = await agent.request(`${portico.url}/account/password`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, currentPassword: user.password, password: 'Brand9NewOne', confirmPassword: 'Brand9NewOne' } });
      expect(stale.status).toBe(303);
      const target = new URL(stale.headers.get('location')!);
      expect([target.pathname, target.searchParams.get('prompt')]).toEqual(['/auth', 'login']);
    } finally {
      vi.useRealTimers();
    }
    expect(await mails(user.email, 'password-changed')).toEqual([]);
  });

  it('keeps an email change waiting through the sign-in a sensitive change asks for, then confirms it', async () => {
    const user = await portico.createUser();
    const target = `after.detour.${user.username}@example.com`;
    const flowState = async () => (await db.selectFrom('flows').select('state').where('account_id', '=', user.id).where('kind', '=', 'settings').execute()).map((f) => f.state);
    const { agent, page } = await openAccount(user);
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start + 5 * 60_000 });
    try {
      await submit(agent, page, '/account/email', { email: target, confirmEmail: target, currentPassword: user.password });
      expect(await flowState()).toEqual(['email_pending']);
      const code = /^(\d{6})$/m.exec((await mails(target, 'recovery-code'))[0]!.text_body)![1]!;
      // Past the recent-sign-in window, within the code's life: the code waits for a fresh sign-in.
      vi.setSystemTime(start + 11 * 60_000);
      const stale = await agent.request(`${portico.url}/account/email/confirm`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, code } });
      const signIn = new URL(stale.headers.get('location')!);
      expect([stale.status, signIn.pathname, signIn.searchParams.get('prompt')]).toEqual([303, '/auth', 'login']);
      expect(await flowState()).toEqual(['reauthenticating_email']);
      expect((await findAccountById(db, user.id))!.email).toBe(user.email);

      const form = await agent.follow(signIn.toString());
      const action = /action="([^"]+\/login)"/.exec(form.html!)![1]!;
      const back = await agent.follow(new URL(action, form.url).toString(), { form: { csrf: hiddenInput(form.html!, 'csrf')!, login: user.username, password: user.password } });
      // Back to the page the code is typed on, with the change still waiting.
      expect(back.url).toBe(`${portico.url}/account/email`);
      expect(back.html).toContain(target);
      expect(await flowState()).toEqual(['email_pending']);
      await submit(agent, back, '/account/email/confirm', { code });
      expect((await findAccountById(db, user.id))!.email).toBe(target);
      expect(await flowState()).toEqual(['active']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists remembered devices and forgets them, so the next sign-in asks for the second step', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    // Remembered devices are listed on the security page the overview links to.
    expect(page.html).toContain('href="/account/security"');
    expect((await agent.follow(`${portico.url}/account/security`)).html).toContain('test device, last used');
    await submit(agent, page, '/account/devices/forget', { device: 'all' });
    const rp = await RelyingParty.discover(portico.url);
    const next = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    expect(next.url).toMatch(/\/access-code$/);
    expect(await actions(user.id)).toContain('devices.forgotten');
  });

  it('forgets one remembered device by its id, and never a device of another account', async () => {
    const [user, other] = [await portico.createUser(), await portico.createUser()];
    const devices = (accountId: string) => db.selectFrom('trusted_devices').select(['id', 'revoked_at']).where('account_id', '=', accountId).execute();
    const [own] = await devices(user.id);
    const [others] = await devices(other.id);
    const { agent, page } = await openAccount(user);
    await submit(agent, page, '/account/devices/forget', { device: String(others!.id) });
    expect((await devices(other.id))[0]!.revoked_at).toBeNull();
    await submit(agent, page, '/account/devices/forget', { device: String(own!.id) });
    expect((await devices(user.id))[0]!.revoked_at).not.toBeNull();
  });

  it('signs out everywhere: the portals\' refresh tokens stop working', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const portal = await rp.signIn(user.username, user.password);
    await nextSecond();
    const { agent, page } = await openAccount(user);
    await submit(agent, page, '/account/sign-out-everywhere', {});
    await expect(oidc.refreshTokenGrant(rp.config, portal.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await actions(user.id)).toContain('sessions.ended');
  });

  it('changes the name and the security questions (current password first), and mails the owner', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const renamed = await submit(agent, page, '/account/name', { givenName: 'Janet', familyName: '' });
    expect(renamed.html).toContain('id="familyName-error">Enter your last name.');
    // The rules of registration: no markup, no bidi overrides.
    const marked = await submit(agent, renamed, '/account/name', { givenName: '<b>Janet</b>', familyName: 'Smythe\u202e' });
    expect(marked.html).toMatch(/id="givenName-error">Use only letters, spaces, hyphens/);
    expect(marked.html).toMatch(/id="familyName-error">Use only letters, spaces, hyphens/);
    await submit(agent, renamed, '/account/name', { givenName: 'Janet', familyName: 'Smythe' });
    expect(await findAccountById(db, user.id)).toMatchObject({ given_name: 'Janet', family_name: 'Smythe' });
    const refused = await submit(agent, page, '/account/questions', { currentPassword: 'Not7Mine', question1: 'first_pet', answer1: 'Rex', question2: 'first_car', answer2: 'Lada' });
    expect(refused.html).toContain('id="questionsPassword-error">That is not your current password.');
    expect(refused.html).toContain('<option value="first_car" selected>');
    const saved = await submit(agent, page, '/account/questions', { currentPassword: user.password, question1: 'first_pet', answer1: 'Rex', question2: 'first_car', answer2: 'Lada' });
    expect(saved.html).toContain('Your security questions were saved.');
    expect((await db.selectFrom('security_answers').select('question_id').where('account_id', '=', user.id).execute()).map((a) => a.question_id).sort()).toEqual(['first_car', 'first_pet']);
    expect((await mails(user.email, 'account-changed')).map((m) => /changed (your [a-z ]+)/.exec(m.text_body)![1]).sort()).toEqual(['your name', 'your security questions']);
  });
});
