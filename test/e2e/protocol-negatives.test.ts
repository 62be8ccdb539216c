import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';

/** Modelled on the OpenID Connect Basic OP conformance plan's negative tests. */
describe('protocol negatives', () => {
  let portico: TestPortico;
  let user: Awaited<ReturnType<TestPortico['createUser']>>;
  beforeAll(async () => {
    portico = await startPortico();
    user = await portico.createUser();
  });
  afterAll(() => portico.stop());

  it('shows an error page, and never redirects, for an unregistered redirect_uri', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest({ redirect_uri: 'https://evil.example/callback' });
    const response = await rp.browser.request(request.url);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('We could not complete this request');
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { tokens, request, callback } = await rp.signIn(user.username, user.password);
    await expect(rp.exchange(callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
  });

  it('refuses a wrong PKCE verifier', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest();
    const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
    await expect(rp.exchange(page.url, { ...request, verifier: oidc.randomPKCECodeVerifier() })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('returns login_required to the portal for prompt=none without a session', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest({ prompt: 'none' });
    const back = await rp.browser.follow(request.url);
    expect(back.url.startsWith(clients.firstParty.redirectUri)).toBe(true);
    const params = new URL(back.url).searchParams;
    expect(params.get('error')).toBe('login_required');
    expect(params.get('state')).toBe(request.state);
  });

  it('forces a new sign-in with a later auth_time for prompt=login and for an exceeded max_age', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const first = (await rp.signIn(user.username, user.password, { max_age: '3600' })).tokens.claims()!;
    await new Promise((r) => setTimeout(r, 1100));

    const forced = await rp.authorizationRequest({ prompt: 'login', max_age: '3600' });
    const page = await rp.browser.follow(forced.url);
    expect(page.url).toContain('/interaction/');
    expect(page.html).toContain('name="password"');
    const second = (await rp.exchange((await rp.submitSignIn(page, user.username, user.password)).url, forced)).claims()!;
    expect(second.auth_time).toBeGreaterThan(first.auth_time!);

    // auth_time has whole seconds and max_age must be exceeded, not reached.
    await new Promise((r) => setTimeout(r, 2100));
    const aged = await rp.authorizationRequest({ max_age: '1' });
    const agedPage = await rp.browser.follow(aged.url);
    expect(agedPage.html).toContain('name="password"');
    const third = (await rp.exchange((await rp.submitSignIn(agedPage, user.username, user.password)).url, aged)).claims()!;
    expect(third.auth_time).toBeGreaterThan(second.auth_time!);
  });
});
