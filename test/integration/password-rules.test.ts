import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { embeddedEnv, runPortico } from '../support/cli.js';
import { DEVICE_COOKIE, usePortico, NO_REGISTRATION_LIMIT, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * One set of password rules wherever a password is set: each page says "Not a common
 * password", so each refuses one, beside the field; the CLI refuses it in one line. Sign-in
 * sends a person whose password is on the list to the new-password step.
 */

const COMMON = ['Password1', 'Qwerty123', 'Welcome1'];
const TOO_COMMON = 'id="password-error">This password is too common: it is on a list of passwords attackers try first. Choose another.';

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), NO_REGISTRATION_LIMIT);

type Page = Awaited<ReturnType<UserAgent['follow']>>;
const browser = () => new UserAgent('http://127.0.0.1:9');

async function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return agent.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

/** Submits each common password on `page`'s form; every answer must refuse it beside the field. */
async function expectEachRefused(agent: UserAgent, page: Page, pattern: RegExp, fields: (password: string) => Record<string, string>) {
  expect(page.html).toContain('Not a common password');
  for (const password of COMMON) {
    const refused = await post(agent, page, pattern, fields(password));
    expect({ password, status: refused.response.status }).toEqual({ password, status: 400 });
    expect(refused.html).toContain(TOO_COMMON);
    page = refused;
  }
}

describe('a common password', () => {
  it('is refused by registration', async () => {
    const agent = browser();
    const form = await agent.follow(`${portico.url}/register`);
    let n = 0;
    await expectEachRefused(agent, form, /\/register$/, (password) => {
      const id = `common${Date.now().toString(36)}${++n}`;
      return { givenName: 'Jane', familyName: 'Smith', birthYear: '1980', email: `${id}@example.com`, username: id, password, confirmPassword: password, question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth', terms: 'yes' };
    });
  });

  it('is refused by the account page\'s password change', async () => {
    const user = await portico.createUser();
    const before = (await findAccountById(db, user.id))!.password_hash;
    const agent = browser();
    agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
    // Signed in straight to the password page, where its form is.
    const signIn = await agent.follow(`${portico.url}/account/password`);
    const page = await post(agent, signIn, /\/login$/, { login: user.username, password: user.password });
    expect(page.url).toBe(`${portico.url}/account/password`);
    await expectEachRefused(agent, page, /\/account\/password$/, (password) => ({ currentPassword: user.password, password, confirmPassword: password }));
    expect((await findAccountById(db, user.id))!.password_hash).toBe(before);
  });

  it('is refused as the new password after forgot password', async () => {
    const user = await portico.createUser();
    const agent = browser();
    const start = await agent.follow(`${portico.url}/recover/password`);
    const codePage = await post(agent, start, /\/recover\/password$/, { login: user.username });
    const [mail] = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).where('template', '=', 'recovery-code').execute();
    const newForm = await post(agent, codePage, /\/recover\/password\/code$/, { code: /^(\d{10})$/m.exec(mail!.text_body)![1]! });
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    await expectEachRefused(agent, newForm, /\/recover\/password\/new$/, (password) => ({ password, confirmPassword: password }));
  });

  it('is refused by the new-password step', async () => {
    const user = await portico.createUser();
    await db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', user.id).execute();
    const rp = await RelyingParty.discover(portico.url);
    const step = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    expect(step.html).toContain('<h1>Update your password</h1>');
    await expectEachRefused(rp.browser, step, /\/new-password$/, (password) => ({ password, confirmPassword: password }));
  });

  it('set before the rule sends its owner to the new-password step at sign-in', async () => {
    const user = await portico.createUser({ password: 'Welcome1' });
    const rp = await RelyingParty.discover(portico.url);
    const step = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    expect(step.html).toContain('<h1>Update your password</h1>');
    expect((await findAccountById(db, user.id))!.must_change_password).toBe(true);
  });
});

describe('portico users create', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-pw-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(COMMON)('refuses %s in one line, creating nothing', async (password) => {
    const args = ['users', 'create', '--username', 'jsmith01', '--email', 'j.smith@example.com', '--given-name', 'Jane', '--family-name', 'Smith', '--password-stdin'];
    expect(await runPortico(args, { env: embeddedEnv(dir), input: `${password}\n` })).toEqual({
      code: 1,
      out: '',
      err: 'portico: password refused: This password is too common: it is on a list of passwords attackers try first. Choose another.\n',
    });
  });
});
