import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as recoveryFlowsMigration from '../../migrations/0019_recovery_flows.js';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { usePortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Recovery: forgot username and forgot password (code or questions, a new password
 * under policy), with the same pages for unknown and known names, and everything signed in
 * before a reset signed out: sessions, refresh tokens, the portals' too.
 */

let portico: TestPortico;
let db: Db;
/** A portal with its own start page (initiate_login_uri), where recovery returns once its sign-in is gone. */
const portalE = { id: 'portal-e', secret: 'portal-e-secret-0123456789abcdef', redirectUri: 'http://127.0.0.1:9/e/callback', start: 'https://portal-e.example/start' };
usePortico((started, database) => ((portico = started), (db = database)), {
  extraClients: [{ client_id: portalE.id, client_name: 'Portal E', client_secret: portalE.secret, redirect_uris: [portalE.redirectUri], initiate_login_uri: portalE.start, first_party: true }],
});

const browser = () => new UserAgent('http://127.0.0.1:9');
type Page = Awaited<ReturnType<UserAgent['follow']>>;

async function submit(agent: UserAgent, page: Page, path: string, form: Record<string, string>) {
  return agent.follow(`${portico.url}${path}`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

async function mails(to: string, template: string) {
  return db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).where('template', '=', template).orderBy('created_at').orderBy('id').execute();
}
// Recovery codes are longer than sign-in codes: a username alone reaches them (policy recovery.code_length).
const code = async (email: string) => /^(\d{10})$/m.exec((await mails(email, 'recovery-code')).at(-1)!.text_body)![1]!;
const neutral = (html: string) => html.replace(/name="csrf" value="[^"]+"/g, '').replace(/<strong>[^<]*<\/strong>/g, '');

/** Waits for the next whole second: sessions and tokens carry whole-second timestamps. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

describe('forgot username', () => {
  it('answers a known and an unknown address alike, and emails the username to the known one', async () => {
    const user = await portico.createUser();
    const answers = [];
    for (const email of [user.email, 'nobody.here@example.com']) {
      const agent = browser();
      const form = await agent.follow(`${portico.url}/recover/username`);
      answers.push(await submit(agent, form, '/recover/username', { email }));
    }
    expect(answers.map((a) => a.response.status)).toEqual([200, 200]);
    expect(answers[0]!.html).toContain('If an ID uses this address, we have emailed it.');
    expect(neutral(answers[0]!.html!)).toBe(neutral(answers[1]!.html!));
    const [mail] = await mails(user.email, 'forgot-username');
    expect(mail!.text_body).toContain(user.username);
    expect(await mails('nobody.here@example.com', 'forgot-username')).toEqual([]);
  });

  it('re-renders a malformed address with the message beside the field', async () => {
    const agent = browser();
    const form = await agent.follow(`${portico.url}/recover/username`);
    const bad = await submit(agent, form, '/recover/username', { email: 'not an address' });
    expect(bad.response.status).toBe(400);
    expect(bad.html).toContain('id="email-error">Enter an email address like name@example.com.');
    expect(bad.html).toContain('value="not an address"');
  });
});

async function startReset(login: string) {
  const agent = browser();
  const form = await agent.follow(`${portico.url}/recover/password`);
  const page = await submit(agent, form, '/recover/password', { login });
  return { agent, page };
}

describe('forgot password', () => {

  it('looks the same for an unknown username as for a known one, and never lets the unknown one through', async () => {
    const user = await portico.createUser();
    const known = await startReset(user.username);
    const unknown = await startReset('no-such-user-anywhere');
    expect([known.page.url, unknown.page.url]).toEqual([`${portico.url}/recover/password/code`, `${portico.url}/recover/password/code`]);
    expect(neutral(known.page.html!)).toBe(neutral(unknown.page.html!));
    const knownQuestions = await known.agent.follow(`${portico.url}/recover/password/questions`);
    const unknownQuestions = await unknown.agent.follow(`${portico.url}/recover/password/questions`);
    expect(knownQuestions.response.status).toBe(unknownQuestions.response.status);
    for (let i = 0; i < 5; i++) await submit(unknown.agent, unknown.page, '/recover/password/code', { code: '1234567890' });
    const refused = await submit(unknown.agent, unknown.page, '/recover/password/code', { code: '1234567890' });
    expect(refused.html).toContain('This code can no longer be used');
    expect((await unknown.agent.follow(`${portico.url}/recover/password/new`)).url).toBe(`${portico.url}/recover/password`);
  });

  it('resets with the emailed code: policy applies, the old password and every earlier session and refresh token stop working, the owner is told', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const before = await rp.signIn(user.username, user.password);
    expect(before.tokens.refresh_token).toBeTruthy();
    await nextSecond();

    const { agent, page } = await startReset(user.username);
    const newForm = await submit(agent, page, '/recover/password/code', { code: await code(user.email) });
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    const weak = await submit(agent, newForm, '/recover/password/new', { password: 'short', confirmPassword: 'short' });
    expect(weak.response.status).toBe(400);
    expect(weak.html).toContain('id="password-error">Use at least 8 characters.');
    const same = await submit(agent, weak, '/recover/password/new', { password: user.password, confirmPassword: user.password });
    expect(same.html).toContain('Choose a password different from your current one.');
    const done = await submit(agent, same, '/recover/password/new', { password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' });
    expect(done.html).toContain('Your password was changed');

    await expect(oidc.refreshTokenGrant(rp.config, before.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).rejects.toMatchObject({ status: 401 });
    // The portal's SSO session in the browser that signed in earlier: sign in again.
    const again = await rp.browser.follow((await rp.authorizationRequest()).url);
    expect(again.html).toContain('<h1>Sign in</h1>');
    expect((await rp.submitSignIn(again, user.username, user.password)).response.status).toBe(400);
    // The new password is accepted; the device remembered before the reset is not (second step).
    const fresh = await RelyingParty.discover(portico.url);
    const step = await fresh.submitSignIn(await fresh.browser.follow((await fresh.authorizationRequest()).url), user.username, 'Fresh8Meadow');
    expect(step.url).toMatch(/\/interaction\/[^/]+\/access-code$/);
    expect(await mails(user.email, 'password-changed')).toHaveLength(1);
  });

  it('refuses the security answers alone: no mailbox, no new password (the answers only follow the emailed code)', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const { agent, page } = await startReset(user.username);
    expect(page.html).not.toContain('Answer my security questions instead');
    const questions = await agent.follow(`${portico.url}/recover/password/questions`);
    expect(questions.url).toBe(`${portico.url}/recover/password`);
    const form = Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer]));
    const posted = await submit(agent, page, '/recover/password/questions', form);
    expect(posted.url).toBe(`${portico.url}/recover/password`);
    expect((await agent.follow(`${portico.url}/recover/password/new`)).url).toBe(`${portico.url}/recover/password`);
    expect(await mails(user.email, 'password-changed')).toEqual([]);
  });

  it('asks the questions as well after the code; wrong answers throttle the flow and never lock the ID', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const { agent, page } = await startReset(user.username);
    const questions = await submit(agent, page, '/recover/password/code', { code: await code(user.email) });
    expect(questions.url).toBe(`${portico.url}/recover/password/questions`);
    expect(questions.html).toContain('What was the name of your first pet?');
    let wrong = questions;
    for (let i = 0; i < 6; i++) wrong = await submit(agent, wrong, '/recover/password/questions', { answer_first_pet: 'nope', answer_birth_city: 'nope' });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('One or more answers are not correct.');
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', failed_answer_count: 0 });
    const form = Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer]));
    const newForm = await submit(agent, wrong, '/recover/password/questions', form);
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    const done = await submit(agent, newForm, '/recover/password/new', { password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' });
    expect(done.html).toContain('Your password was changed');
  });

  it('carries a reset begun before the upgrade to the one flows table over, in the same browser, and re-runs harmlessly', async () => {
    const user = await portico.createUser();
    const { agent, page } = await startReset(user.username);
    const newForm = await submit(agent, page, '/recover/password/code', { code: await code(user.email) });
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    const migrations = db as unknown as Kysely<unknown>;
    const recoveryFlows = async () =>
      (await db.selectFrom('flows').select(['state', 'data']).where('kind', '=', 'recovery').where('account_id', '=', user.id).execute()).map((row) => ({ state: row.state, data: JSON.parse(row.data) as unknown }));
    // Back to the table of before, as the flow stood there: proved by its code, at the new password.
    await recoveryFlowsMigration.down(migrations);
    expect(await recoveryFlows()).toEqual([]);
    const before = await sql<{ login: string; stage: string; proof: string | null }>`select login, stage, proof from recovery_flows where account_id = ${user.id}`.execute(db);
    expect(before.rows).toEqual([{ login: user.username, stage: 'new_password', proof: 'code' }]);
    await recoveryFlowsMigration.up(migrations);
    await recoveryFlowsMigration.up(migrations);
    expect(await recoveryFlows()).toEqual([{ state: 'new_password', data: { login: user.username, proof: 'code' } }]);
    expect((await sql<{ present: boolean }>`select to_regclass('recovery_flows') is not null as present`.execute(db)).rows[0]!.present).toBe(false);
    const done = await submit(agent, newForm, '/recover/password/new', { password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' });
    expect(done.html).toContain('Your password was changed');
    // Finished: the record is gone, and the same form sent again only starts over.
    expect(await recoveryFlows()).toEqual([]);
    expect((await submit(agent, newForm, '/recover/password/new', { password: 'Other9Meadow', confirmPassword: 'Other9Meadow' })).url).toBe(`${portico.url}/recover/password`);
  });
});

describe('recovery begun on a portal\'s sign-in page', () => {
  async function portalSignIn(which: 'firstParty' | typeof portalE) {
    const rp = await RelyingParty.discover(portico.url, which === 'firstParty' ? which : { id: which.id, secret: which.secret, redirectUri: which.redirectUri });
    const signIn = await rp.browser.follow((await rp.authorizationRequest({ prompt: 'login' })).url);
    const uid = /\/interaction\/([^/]+)$/.exec(signIn.url)![1]!;
    return { rp, signIn, uid };
  }
  const signInLink = (html: string) => /<a class="button primary" href="([^"]+)">Sign in<\/a>/.exec(html)?.[1];
  const endInteraction = async (uid: string) => (await portico.server.host.provider.Interaction.find(uid))!.destroy();

  it('returns "Sign in" to that sign-in while it lives', async () => {
    const user = await portico.createUser();
    const { rp, signIn, uid } = await portalSignIn('firstParty');
    const forgot = /href="(\/recover\/password\?from=[^"]+)"/.exec(signIn.html!)![1]!;
    const form = await rp.browser.follow(`${portico.url}${forgot}`);
    const page = await submit(rp.browser, form, '/recover/password', { login: user.username });
    const newForm = await submit(rp.browser, page, '/recover/password/code', { code: await code(user.email) });
    const done = await submit(rp.browser, newForm, '/recover/password/new', { password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' });
    expect(done.html).toContain('Your password was changed');
    expect(signInLink(done.html!)).toBe(`/interaction/${uid}`);
    const again = await rp.browser.follow(`${portico.url}/interaction/${uid}`);
    expect(again.html).toContain('<h1>Sign in</h1>');
    expect(again.html).toContain('Portal A');
  });

  it('returns to the portal\'s own start once that sign-in is gone, and to /account for a portal without one', async () => {
    const user = await portico.createUser();
    for (const [which, expected] of [[portalE, portalE.start], ['firstParty', '/account']] as const) {
      const { rp, signIn, uid } = await portalSignIn(which);
      const forgot = /href="(\/recover\/username\?from=[^"]+)"/.exec(signIn.html!)![1]!;
      const form = await rp.browser.follow(`${portico.url}${forgot}`);
      await endInteraction(uid);
      const sent = await submit(rp.browser, form, '/recover/username', { email: user.email });
      expect(signInLink(sent.html!)).toBe(expected);
    }
  });

  it('keeps /account for recovery begun on its own, and ignores a made-up sign-in', async () => {
    const user = await portico.createUser();
    const agent = browser();
    const form = await agent.follow(`${portico.url}/recover/username?from=no-such-interaction`);
    const sent = await submit(agent, form, '/recover/username', { email: user.email });
    expect(signInLink(sent.html!)).toBe('/account');
    // No portal: nothing offers to cancel to one.
    for (const page of [form, sent, await agent.follow(`${portico.url}/recover`), await agent.follow(`${portico.url}/recover/password`)]) expect(page.html).not.toContain('Cancel and return to the portal');
  });
});

describe('remembered devices after a password reset', () => {
  const remembered = () => RelyingParty.discover(portico.url);

  it('are all forgotten by a reset through "Forgot password"', async () => {
    const user = await portico.createUser();
    // Remembered: the password alone signs in.
    await (await remembered()).signIn(user.username, user.password);
    const { agent, page } = await startReset(user.username);
    const newForm = await submit(agent, page, '/recover/password/code', { code: await code(user.email) });
    await submit(agent, newForm, '/recover/password/new', { password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' });
    const rp = await remembered();
    const step = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, 'Fresh8Meadow');
    expect(step.url).toMatch(/\/interaction\/[^/]+\/access-code$/);
  });

  it('are all forgotten by a change on the account page', async () => {
    const user = await portico.createUser();
    const rp = await remembered();
    const signIn = await rp.browser.follow(`${portico.url}/account`);
    const account = await rp.submitSignIn(signIn, user.username, user.password);
    expect(account.url).toBe(`${portico.url}/account`);
    const changed = await rp.browser.follow(`${portico.url}/account/password`, { form: { csrf: hiddenInput(account.html!, 'csrf')!, currentPassword: user.password, password: 'Brand9NewOne', confirmPassword: 'Brand9NewOne' } });
    expect(changed.html).toContain('Your password was changed.');
    const other = await remembered();
    const step = await other.submitSignIn(await other.browser.follow((await other.authorizationRequest()).url), user.username, 'Brand9NewOne');
    expect(step.url).toMatch(/\/interaction\/[^/]+\/access-code$/);
  });
});
