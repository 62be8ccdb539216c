import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

describe('a portal signs a user in through Portico (openid-client)', () => {
  let portico: TestPortico;
  let user: Awaited<ReturnType<TestPortico['createUser']>>;
  beforeAll(async () => {
    portico = await startPortico();
    user = await portico.createUser({ givenName: 'Jane', familyName: 'Smith' });
  });
  afterAll(() => portico.stop());

  it('signs in with code + PKCE, validates the ID token, reads userinfo, refreshes, revokes, logs out', async () => {
    const rp = await RelyingParty.discover(portico.url);
    expect(rp.config.serverMetadata().code_challenge_methods_supported).toEqual(['S256']);

    // openid-client checks the ID token's signature against /jwks, iss, aud, exp, nonce and state.
    const { tokens, request } = await rp.signIn(user.username, user.password);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: portico.url, aud: clients.firstParty.id, nonce: request.nonce, sub: user.id, email: user.email, email_verified: true, preferred_username: user.username });

    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, name: 'Jane Smith', given_name: 'Jane', family_name: 'Smith', email: user.email });

    // Refresh tokens rotate on every use.
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(true);

    // Replaying a rotated refresh token is treated as theft: the grant's tokens are revoked (RFC 9700 §4.14.2).
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Revocation (RFC 7009): the SSO session gives new tokens without the form; revoking ends them.
    const again = (await rp.signIn(user.username, 'the form must not be shown')).tokens;
    expect((await oidc.tokenIntrospection(rp.config, again.access_token)).active).toBe(true);
    await oidc.tokenRevocation(rp.config, again.access_token);
    expect((await oidc.tokenIntrospection(rp.config, again.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(rp.config, again.access_token, user.id)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ scheme: 'bearer', parameters: expect.objectContaining({ error: 'invalid_token' }) })],
    });
    // RP-initiated logout: confirm page, then back to the portal with its state.
    const endSession = oidc.buildEndSessionUrl(rp.config, { id_token_hint: again.id_token!, post_logout_redirect_uri: clients.firstParty.logoutUri, state: 'bye' });
    const confirm = await rp.browser.follow(endSession.toString());
    expect(confirm.html).toContain('Yes, sign me out');
    const action = formAction(confirm.html!, /\/session\/end\/confirm$/)!;
    const done = await rp.browser.follow(new URL(action, portico.url).toString(), { form: { xsrf: hiddenInput(confirm.html!, 'xsrf')!, logout: 'yes' } });
    expect(done.url).toBe(`${clients.firstParty.logoutUri}?state=bye`);

    const silent = await rp.authorizationRequest({ prompt: 'none' });
    const after = await rp.browser.follow(silent.url);
    expect(new URL(after.url).searchParams.get('error')).toBe('login_required');
  });

  it('shows a third-party portal a consent page, and a first-party one none', async () => {
    const spa = await RelyingParty.discover(portico.url, 'thirdParty');
    const request = await spa.authorizationRequest();
    const page = await spa.submitSignIn(await spa.browser.follow(request.url), user.username, user.password);
    expect(page.html).toContain('Portal B</strong> is asking to use your Portico ID');
    // What the portal will see, and apart from it what it will be able to do (offline_access).
    const lists = /It will be able to see:<\/p>\s*<ul class="scopes">([\s\S]*?)<\/ul>\s*<p>It will be able to:<\/p>\s*<ul class="scopes">([\s\S]*?)<\/ul>/.exec(page.html!);
    expect(lists?.[1]).toContain('Your email address');
    expect(lists?.[1]).not.toContain('Keep you signed in');
    expect(lists?.[2]).toContain('Keep you signed in when you are not using it');
    const allow = formAction(page.html!, /\/confirm$/)!;
    const back = await spa.browser.follow(new URL(allow, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
    const tokens = await spa.exchange(back.url, request);
    expect(tokens.claims()!.aud).toBe(clients.thirdParty.id);

    const portal = await RelyingParty.discover(portico.url, 'firstParty', spa.browser);
    const sso = await portal.authorizationRequest();
    expect((await portal.browser.follow(sso.url)).url).toMatch(/^http:\/\/127\.0\.0\.1:9\/a\/callback\?code=/);
  });

  it('answers a wrong password and an unknown username with the same page and status', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const wrong = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, 'Wrong7Password');
    const unknown = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), 'nobody-here', 'Wrong7Password');
    expect(wrong.response.status).toBe(400);
    expect(unknown.response.status).toBe(400);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(wrong.html!)).toBe('The username or password you entered is not correct. Check them and try again.');
    expect(message(unknown.html!)).toBe(message(wrong.html!));
    expect(wrong.html).not.toContain('Wrong7Password');
  });

  it('issues client_credentials tokens that only their own client may introspect', async () => {
    const service = await oidc.discovery(new URL(portico.url), clients.service.id, undefined, oidc.ClientSecretBasic(clients.service.secret), { execute: [oidc.allowInsecureRequests] });
    const token = await oidc.clientCredentialsGrant(service, {});
    expect((await oidc.tokenIntrospection(service, token.access_token)).active).toBe(true);
    const other = await RelyingParty.discover(portico.url);
    expect((await oidc.tokenIntrospection(other.config, token.access_token)).active).toBe(false);
  });
});
