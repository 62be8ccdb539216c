import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { ACR } from '../../src/identity/second-step/assurance.js';
import { registerPasskey, registrationOptions, relyingPartyOf } from '../../src/identity/second-step/passkeys.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, portalOrigin, TEST_DEVICE_TOKEN, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The policy says which second-step methods each account type may use and which it must have:
 * providers here must have an authenticator app (they may still prove themselves by email the
 * first time, then set the app up); members may use only the emailed code, even when they
 * have security answers, are offered nothing else on the account page, and a passkey of theirs
 * gets the answer a passkey of no ID gets.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  policy: {
    second_step: {
      require_security_questions: false,
      access_code: { resend_throttle_seconds: 0 },
      account_types: {
        provider: { methods: ['authenticator_app', 'email_code'], must_have: ['authenticator_app'] },
        member: { methods: ['email_code'] },
      },
    },
  },
});

type Page = { url: string; html?: string; response: Response };

async function accessCode(email: string): Promise<string> {
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
  return /^(\d{6})$/m.exec(mail.text_body)![1]!;
}

async function post(rp: { browser: UserAgent }, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

async function signInOfType(type: string, withAnswers = false) {
  const user = await portico.createUser({ trustDevice: false, withAnswers });
  await db.updateTable('accounts').set({ account_type: type }).where('id', '=', user.id).execute();
  const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
  const request = await rp.authorizationRequest();
  const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
  return { user, rp, request, page };
}

describe('second-step methods by account type', () => {
  it('makes a provider without an authenticator app set one up after the emailed code, before the portal gets a token', async () => {
    const { user, rp, page } = await signInOfType('provider');
    expect(page.url).toMatch(/\/access-code$/);
    const next = await post(rp, page, /\/access-code$/, { code: await accessCode(user.email) });
    expect(next.url).toMatch(/\/interaction\/[^/]+\/enrol-authenticator-app$/);
    expect(next.html).toContain('Set up an authenticator app');
    // Skipping the enrolment does not reach the portal: the sign-in goes back to its step.
    const skipped = await rp.browser.follow(next.url.replace(/\/enrol-authenticator-app$/, ''));
    expect(skipped.url.startsWith('http://127.0.0.1:9')).toBe(false);
  });

  it('lets a member sign in with the emailed code alone, and never offers the security questions the member has', async () => {
    const { user, rp, request, page } = await signInOfType('member', true);
    expect(page.url).toMatch(/\/access-code$/);
    expect(page.html).not.toMatch(/security questions/i);
    const back = await post(rp, page, /\/access-code$/, { code: await accessCode(user.email) });
    expect(back.url.startsWith('http://127.0.0.1:9')).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'otp'], acr: ACR.secondStep });
  });

  it('leaves a type the policy does not list on the policy\'s own list (security questions offered)', async () => {
    const { page } = await signInOfType('broker', true);
    expect(page.url).toMatch(/\/access-code$/);
    expect(page.html).toMatch(/security questions instead/i);
  });

  it('offers a member on the account page only the methods a member may use: no passkeys, app or phone', async () => {
    const member = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'member' }).where('id', '=', member.id).execute();
    const broker = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'broker' }).where('id', '=', broker.id).execute();
    const securityPage = async (user: { username: string; password: string }) => {
      const agent = new UserAgent(portalOrigin);
      agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
      const signIn = await agent.follow(`${portico.url}/account/security`);
      const page = await post({ browser: agent }, signIn, /\/login$/, { login: user.username, password: user.password });
      expect(page.url).toBe(`${portico.url}/account/security`);
      return { agent, page };
    };
    const { agent, page } = await securityPage(member);
    expect(page.html).not.toContain('id="passkeys-heading"');
    expect(page.html).not.toContain('id="app-heading"');
    expect(page.html).not.toContain('href="/account/passkeys"');
    // The set-up pages themselves send a member back to the security page.
    const passkeys = await agent.follow(`${portico.url}/account/passkeys`);
    expect(passkeys.url).toBe(`${portico.url}/account/security`);
    // A type the policy does not list keeps the policy's own list.
    const other = await securityPage(broker);
    expect(other.page.html).toContain('id="passkeys-heading"');
    expect(other.page.html).toContain('id="app-heading"');
  });

  it('answers a member\'s passkey on the sign-in page as a passkey of no ID, and audits why', async () => {
    const user = await portico.createUser({ trustDevice: false });
    await db.updateTable('accounts').set({ account_type: 'member' }).where('id', '=', user.id).execute();
    const key = new SoftAuthenticator();
    const site = relyingPartyOf(portico.url);
    const account = (await findAccountById(db, user.id))!;
    expect(await registerPasskey(db, site, account, 'Blue key', JSON.stringify(key.register(await registrationOptions(db, site, account), site.origin)))).toEqual({ ok: true });
    const answerWith = async (authenticator: SoftAuthenticator) => {
      const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent(portalOrigin));
      const page = await rp.browser.follow((await rp.authorizationRequest()).url);
      const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      const options = JSON.parse(unescape(/data-passkey="sign-in" data-options="([^"]+)"/.exec(page.html!)![1]!));
      return post(rp, page, /\/login\/passkey$/, { response: JSON.stringify(authenticator.authenticate(options, portico.url)) });
    };
    const refused = await answerWith(key);
    const stranger = await answerWith(new SoftAuthenticator());
    expect(refused.response.status).toBe(400);
    expect(refused.html).toContain('That passkey does not belong to an ID here.');
    const words = (html: string) => /<main[\s\S]*<\/main>/.exec(html)![0].replace(/name="csrf" value="[^"]*"|data-options="[^"]*"|\/interaction\/[^/"]+|from=[^"]+/g, '');
    expect(words(refused.html!)).toBe(words(stranger.html!));
    const audit = await db.selectFrom('audit_events').select('details').where('account_id', '=', user.id).where('action', '=', 'sign_in.failed').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ reason: 'passkey_not_allowed', method: 'passkey' });
  });
});
