import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR } from '../../src/config/acr-levels.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { registerPasskey, registrationOptions, relyingPartyOf } from '../../src/identity/second-step/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';
import { DEVICE_COOKIE, portalOrigin, TEST_DEVICE_TOKEN } from '../support/portico.js';

/*
 * A passkey as the whole sign-in, through the hosted sign-in page with a software
 * authenticator: no username, no password, no second step, and the portal's ID token says
 * phishing-resistant. An ID that may not sign in gets the password form's words; replayed
 * answers, a counter going back and a key that did not verify the person are refused; a burst
 * of refusals against one ID meets the rate limit.
 */

let portico: TestPortico;
beforeAll(async () => {
  // A tight limit per ID (the burst test), the address's generous.
  portico = await startPortico({ policy: { rate_limits: { sign_in: { per_ip: { points: 1000 }, per_account: { points: 6 } } } } });
});
afterAll(() => portico?.stop());

const db = () => portico.server.database.db;
const json = (answer: unknown) => JSON.stringify(answer);
const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A user with one discoverable passkey of `key`, added on the account page; no remembered device. */
async function userWithPasskey(key = new SoftAuthenticator(), withAnswers = true) {
  const rp = relyingPartyOf(portico.url);
  const user = await portico.createUser({ trustDevice: false, withAnswers });
  const account = (await findAccountById(db(), user.id))!;
  const options = await registrationOptions(db(), rp, account);
  expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true });
  expect(await registerPasskey(db(), rp, account, 'Blue key', json(key.register(options, rp.origin)))).toEqual({ ok: true });
  return { user, key };
}

/** The sign-in page of a fresh authorization request, in a browser the ID does not remember. */
async function signInPage(extra: Record<string, string> = {}) {
  const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent(portalOrigin));
  const request = await rp.authorizationRequest(extra);
  const page = await rp.browser.follow(request.url);
  const html = page.html!;
  const options = JSON.parse(unescape(/data-passkey="sign-in" data-options="([^"]+)"/.exec(html)![1]!)) as { challenge: string; rpId: string; allowCredentials?: unknown[]; userVerification?: string };
  const action = new URL(formAction(html, /\/login\/passkey$/)!, page.url).toString();
  const send = (answer: string) => rp.browser.follow(action, { form: { csrf: hiddenInput(html, 'csrf')!, response: answer } });
  return { rp, request, page, html, options, send };
}

describe('a passkey as the whole sign-in', () => {
  it('offers it on the sign-in page: a hidden form for the script, autofill on the username field, any passkey, user verification required', async () => {
    const { html, options } = await signInPage();
    expect(html).toContain('autocomplete="username webauthn"');
    expect(html).toMatch(/<form [^>]*hidden data-passkey="sign-in"/);
    expect(html).toContain('<script type="module" src="/assets/passkey.js"></script>');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
  });

  it('signs in with no password and no second step; the ID token says phishing-resistant and the passkey amr', async () => {
    const { user, key } = await userWithPasskey(new SoftAuthenticator('cross-platform'));
    // A portal that names the levels is told this one (others are told no more than second-step, as ever).
    const { rp, request, options, send } = await signInPage({ acr_values: ACR.phishingResistant });
    const back = await send(json(key.authenticate(options, portico.url)));
    expect(back.url.startsWith(portalOrigin), `${back.url} ${back.response.status} ${back.html?.slice(0, 3000)}`).toBe(true);
    const tokens = await rp.exchange(back.url, request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.acr).toBe(ACR.phishingResistant);
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    const audit = await db().selectFrom('audit_events').select(['action', 'details']).where('account_id', '=', user.id).where('action', '=', 'sign_in.succeeded').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ amr: ['hwk', 'user', 'mfa'], acr: ACR.phishingResistant });
  });

  it('still sets up what the policy requires first (security questions), as after a second step', async () => {
    const { key } = await userWithPasskey(new SoftAuthenticator(), false);
    const { options, send } = await signInPage();
    const next = await send(json(key.authenticate(options, portico.url)));
    expect(next.url).toMatch(/\/interaction\/[^/]+\/enrol-questions$/);
  });

  it('refuses a locked ID, a disabled one and an unverified address with the words a wrong password gets', async () => {
    for (const change of [{ status: 'disabled', lock_reason: 'failed_passwords', locked_at: new Date() }, { status: 'disabled', lock_reason: 'operator' }, { email_verified_at: null }] as const) {
      const { user, key } = await userWithPasskey();
      await db().updateTable('accounts').set(change).where('id', '=', user.id).execute();
      const { options, send } = await signInPage();
      const refused = await send(json(key.authenticate(options, portico.url)));
      expect(refused.response.status).toBe(400);
      expect(refused.html).toContain('The username or password you entered is not correct.');
    }
  });

  it('refuses an answer replayed in another sign-in, a counter that went back, and a key that did not verify the person', async () => {
    const { user, key } = await userWithPasskey();
    const first = await signInPage();
    const answer = json(key.authenticate(first.options, portico.url));
    expect((await first.send(answer)).url.startsWith(portalOrigin)).toBe(true);
    const second = await signInPage();
    const replayed = await second.send(answer);
    expect(replayed.response.status).toBe(400);
    expect(replayed.html).toContain('That passkey request expired or was used already.');
    // A clone whose counter lags behind the original's (1).
    key.counter = 0;
    const clone = await signInPage();
    const cloned = await clone.send(json(key.authenticate(clone.options, portico.url)));
    expect(cloned.response.status).toBe(400);
    expect(cloned.html).toContain('copied to another device');
    const actions = (await db().selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute()).map((e) => e.action);
    expect(actions).toContain('passkey.counter_regressed');
    // Presence alone is one factor: without user verification the passkey cannot be the whole sign-in.
    key.counter = 10;
    key.verifiesUser = false;
    const presence = await signInPage();
    const unverified = await presence.send(json(key.authenticate(presence.options, portico.url)));
    expect(unverified.response.status).toBe(400);
    expect(unverified.html).toContain('Your passkey could not be verified.');
  });

  it('answers a passkey of no ID here, and no answer at all, with the sign-in page again', async () => {
    const { options, send } = await signInPage();
    const stranger = await send(json(new SoftAuthenticator().authenticate(options, portico.url)));
    expect(stranger.response.status).toBe(400);
    expect(stranger.html).toContain('That passkey does not belong to an ID here.');
    const empty = await (await signInPage()).send('');
    expect(empty.response.status).toBe(400);
    expect(empty.html).toContain('Your browser did not send a passkey.');
  });

  it('counts refused answers against the ID the passkey named: a burst gets 429, a page that says when to try again', async () => {
    const { key } = await userWithPasskey();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { options, send } = await signInPage();
      const forged = key.authenticate(options, portico.url) as { response: { signature: string } };
      forged.response.signature = Buffer.from('not a signature').toString('base64url');
      const answer = await send(json(forged));
      statuses.push(answer.response.status);
      if (answer.response.status === 429) {
        expect(answer.response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(answer.html).toContain('Too many');
      }
    }
    expect(statuses.slice(0, 5).every((s) => s === 400)).toBe(true);
    expect(statuses).toContain(429);
  });

  it("limits the account page's passkey posts per ID: a burst gets 429, not a server error", async () => {
    const user = await portico.createUser();
    const agent = new UserAgent(portalOrigin);
    agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
    const signIn = await agent.follow(`${portico.url}/account`);
    const home = await agent.follow(new URL(formAction(signIn.html!, /\/login$/)!, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
    expect(home.url).toBe(`${portico.url}/account`);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const answer = await agent.follow(`${portico.url}/account/passkeys/remove`, { form: { csrf: hiddenInput(home.html!, 'csrf')!, passkey: 'none' } });
      statuses.push(answer.response.status);
    }
    // rate_limits.codes.per_account: 20 in ten minutes.
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(statuses.slice(20)).toEqual([429, 429]);
  });
});
