import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/*
 * Assurance levels through openid-client: a portal that demands the authenticator app's level
 * (minimum_acr in the clients file, or acr_values) gets a person who has only the emailed code
 * to set the app up first, and its tokens say otp; a session below the demand is stepped up, or
 * refused to prompt=none; a portal that asks nothing sees the acr it always saw; a level no
 * method of the policy reaches is an error at the portal.
 */

const ACR = { trusted: 'urn:portico:acr:trusted-device', second: 'urn:portico:acr:second-step', otp: 'urn:portico:acr:otp' };
const otpPortal = { id: 'portal-otp', secret: 'portal-otp-secret-0123456789abcdef', redirectUri: `${portalOrigin}/otp/callback` };

let portico: TestPortico;
let db: Db;

beforeAll(async () => {
  portico = await startPortico({
    // Security questions not required, so the only step a person must set up is the demanded one.
    policy: { second_step: { require_security_questions: false, access_code: { resend_throttle_seconds: 0 } } },
    extraClients: [{ client_id: otpPortal.id, client_name: 'Portal OTP', client_secret: otpPortal.secret, redirect_uris: [otpPortal.redirectUri], first_party: true, minimum_acr: ACR.otp }],
  });
  db = portico.server.database.db;
});
afterAll(() => portico?.stop());

type Page = { url: string; html?: string };

const appCode = (secret: string, ahead = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + ahead * 30 });
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];

async function accessCode(email: string): Promise<string> {
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return /^(\d{6})$/m.exec(mail.text_body)![1]!;
}

async function post(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string> = {}) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

async function startSignIn(rp: RelyingParty, user: { username: string; password: string }, extra: Record<string, string> = {}) {
  const request = await rp.authorizationRequest(extra);
  const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
  return { request, page };
}

/** From the emailed code's page: the code, then the app set up with a code otplib computes, then past the recovery codes. */
async function codeThenEnrolApp(rp: RelyingParty, page: Page, user: { id: string; email: string }): Promise<Page> {
  expect(page.url).toMatch(/\/access-code$/);
  const enrol = await post(rp, page, /\/access-code$/, { code: await accessCode(user.email) });
  expect(enrol.url).toMatch(/\/enrol-authenticator-app$/);
  expect(title(enrol)).toBe('Set up an authenticator app');
  const secret = (await enrolmentSecret(db, user.id))!;
  const codes = await post(rp, enrol, /\/enrol-authenticator-app$/, { code: appCode(secret) });
  expect(title(codes)).toBe('Save your recovery codes');
  return post(rp, codes, /\/enrol-authenticator-app$/);
}

async function expectOtpTokens(rp: RelyingParty, back: Page, request: Awaited<ReturnType<RelyingParty['authorizationRequest']>>, sub: string) {
  expect(back.url.startsWith(portalOrigin)).toBe(true);
  const tokens = await rp.exchange(back.url, request);
  const claims = tokens.claims()!;
  expect(claims).toMatchObject({ sub, acr: ACR.otp });
  expect(claims.amr).toContain('otp');
  expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).toMatchObject({ acr: ACR.otp, amr: claims.amr });
}

describe('a portal that demands the authenticator app\'s level', () => {
  it('lists the levels, weakest first, in discovery', async () => {
    const metadata = (await RelyingParty.discover(portico.url)).config.serverMetadata();
    expect(metadata.acr_values_supported).toEqual([ACR.trusted, ACR.second, ACR.otp, 'urn:portico:acr:phishing-resistant']);
  });

  it('by minimum_acr: a person with only the emailed code sets the app up, and the tokens say otp', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url, otpPortal);
    // The remembered device (the test browser's) is not enough either.
    const { request, page } = await startSignIn(rp, user);
    await expectOtpTokens(rp, await codeThenEnrolApp(rp, page, user), request, user.id);
  });

  it('by acr_values: the same, for a portal with no minimum in the clients file', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { request, page } = await startSignIn(rp, user, { acr_values: ACR.otp });
    await expectOtpTokens(rp, await codeThenEnrolApp(rp, page, user), request, user.id);
  });

  it('offers a person who has the app only the app, not the weaker emailed code', async () => {
    const user = await portico.createUser();
    const secret = (await enrolmentSecret(db, user.id))!;
    expect(await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, appCode(secret))).toMatchObject({ ok: true });
    const rp = await RelyingParty.discover(portico.url, otpPortal);
    const { request, page } = await startSignIn(rp, user);
    expect(page.url).toMatch(/\/authenticator-app$/);
    expect(page.html).not.toContain('/access-code');
    const back = await post(rp, page, /\/authenticator-app$/, { code: appCode(secret, 1) });
    await expectOtpTokens(rp, back, request, user.id);
  });
});

describe('a session below the demand', () => {
  it('answers prompt=none with login_required at the portal\'s redirect_uri, and is stepped up through sign-in otherwise', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const first = await rp.signIn(user.username, user.password);
    expect(first.tokens.claims()).toMatchObject({ acr: ACR.trusted });

    const silent = await rp.authorizationRequest({ prompt: 'none', acr_values: ACR.otp });
    const refused = await rp.browser.follow(silent.url);
    const at = new URL(refused.url);
    expect(`${at.origin}${at.pathname}`).toBe(rp.redirectUri);
    expect(at.searchParams.get('error')).toBe('login_required');
    expect(at.searchParams.get('state')).toBe(silent.state);

    const { request, page } = await startSignIn(rp, user, { acr_values: ACR.otp });
    await expectOtpTokens(rp, await codeThenEnrolApp(rp, page, user), request, user.id);
    // The session now meets it: prompt=none passes.
    const again = await rp.authorizationRequest({ prompt: 'none', acr_values: ACR.otp });
    const back = await rp.browser.follow(again.url);
    expect((await rp.exchange(back.url, again)).claims()).toMatchObject({ acr: ACR.otp });
  });
});

describe('a portal that demands nothing', () => {
  it('sees the acr it always saw: trusted-device on a remembered device, second-step after the code, second-step after the app', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    expect((await rp.signIn(user.username, user.password)).tokens.claims()).toMatchObject({ acr: ACR.trusted, amr: ['pwd'] });

    const fresh = await RelyingParty.discover(portico.url, 'firstParty');
    fresh.browser.cookies.clear();
    const { request, page } = await startSignIn(fresh, user);
    const back = await post(fresh, page, /\/access-code$/, { code: await accessCode(user.email) });
    expect((await fresh.exchange(back.url, request)).claims()).toMatchObject({ acr: ACR.second, amr: ['pwd', 'otp'] });

    const secret = (await enrolmentSecret(db, user.id))!;
    expect(await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, appCode(secret))).toMatchObject({ ok: true });
    const other = await RelyingParty.discover(portico.url, 'firstParty');
    other.browser.cookies.clear();
    const withApp = await startSignIn(other, user);
    const done = await post(other, withApp.page, /\/authenticator-app$/, { code: appCode(secret, 1) });
    expect((await other.exchange(done.url, withApp.request)).claims()).toMatchObject({ acr: ACR.second, amr: ['pwd', 'otp'] });
  });
});

describe('a level no method of the policy reaches', () => {
  it('is answered at the portal\'s redirect_uri with unmet_authentication_requirements, after the password', async () => {
    const narrow = await startPortico({ policy: { second_step: { methods: ['email_code', 'security_questions'], require_security_questions: false } } });
    try {
      const user = await narrow.createUser();
      const rp = await RelyingParty.discover(narrow.url);
      const { request, page } = await startSignIn(rp, user, { acr_values: ACR.otp });
      const at = new URL(page.url);
      expect(`${at.origin}${at.pathname}`).toBe(rp.redirectUri);
      expect(at.searchParams.get('error')).toBe('unmet_authentication_requirements');
      expect(at.searchParams.get('state')).toBe(request.state);
    } finally {
      await narrow.stop();
    }
  });
});
