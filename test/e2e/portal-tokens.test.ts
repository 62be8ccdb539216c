import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { operatorAction } from '../../src/identity/account-admin.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { setPassword } from '../../src/identity/recovery/set-password.js';
import { endAllSessions } from '../../src/identity/sessions.js';
import { clients, portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
const legacy = { id: 'portal-e', secret: 'portal-e-secret-0123456789abcdef', redirectUri: `${portalOrigin}/e/callback` };

describe('tokens a portal holds (openid-client)', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({
      extraClients: [{ client_id: legacy.id, client_name: 'Portal E', client_secret: legacy.secret, redirect_uris: [legacy.redirectUri], first_party: true, pkce_required: false }],
    });
  });
  afterAll(() => portico.stop());
  const db = () => portico.server.database.db;

  it('gives a first-party portal a refresh token without prompt=consent and without a consent page', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password, { prompt: '' });
    expect(tokens.refresh_token).toBeDefined();
    expect((await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).access_token).toBeDefined();
  });

  it('keeps OIDC Core §11 for a third-party portal: offline_access only with prompt=consent', async () => {
    const user = await portico.createUser();
    const spa = await RelyingParty.discover(portico.url, 'thirdParty');
    const request = await spa.authorizationRequest({ prompt: '' });
    const page = await spa.submitSignIn(await spa.browser.follow(request.url), user.username, user.password);
    expect(page.html).toContain('Portal B</strong> is asking to use your Portico ID');
    const back = await spa.browser.follow(new URL(formAction(page.html!, /\/confirm$/)!, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
    expect((await spa.exchange(back.url, request)).refresh_token).toBeUndefined();
  });

  it('requires PKCE of a confidential portal, unless its clients entry switches it off', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest({ code_challenge: '', code_challenge_method: '' });
    const refused = new URL((await rp.browser.follow(request.url)).url);
    expect(refused.origin + refused.pathname).toBe(clients.firstParty.redirectUri);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toMatch(/PKCE/);

    const old = await RelyingParty.discover(portico.url, legacy);
    const plain = await old.authorizationRequest({ code_challenge: '', code_challenge_method: '' });
    const page = await old.submitSignIn(await old.browser.follow(plain.url), user.username, user.password);
    expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/e\/callback\?code=/);
    const tokens = await oidc.authorizationCodeGrant(old.config, new URL(page.url), { expectedState: plain.state, expectedNonce: plain.nonce });
    expect(tokens.claims()!.sub).toBe(user.id);
  });

  const revocations: Array<[string, (id: string) => Promise<unknown>]> = [
    ['"sign out everywhere"', (id) => endAllSessions(db(), id)],
    ['a password reset', async (id) => setPassword(db(), new PasswordHasher(portico.config.policy.argon2), portico.config.policy, (await findAccountById(db(), id))!, { password: 'Another8Horse', confirmPassword: 'Another8Horse' }, { reason: 'recovery', endSessions: true })],
    ['an operator disable', async (id) => operatorAction(db(), (await findAccountById(db(), id))!, 'disable', 'operator:test')],
  ];
  it.each(revocations)('answers inactive at introspection, userinfo and refresh alike after %s', async (_name, revoke) => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
    await nextSecond();
    await revoke(user.id);
    expect(await oidc.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(rp.config, tokens.refresh_token!)).toEqual({ active: false });
    await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).rejects.toMatchObject({ status: 401 });
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('ends a refresh-token thief who refreshes several times a second at "sign out everywhere"', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    let tokens = (await rp.signIn(user.username, user.password)).tokens;
    const signedInAt = (await oidc.tokenIntrospection(rp.config, tokens.access_token)).iat!;
    // The thief refreshes in a tight loop: each rotated token is newer than the sign-in.
    while ((await oidc.tokenIntrospection(rp.config, tokens.access_token)).iat! <= signedInAt) tokens = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    // The owner signs out everywhere in the same second as the thief's latest refresh.
    await nextSecond();
    tokens = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    await endAllSessions(db(), user.id);
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).rejects.toMatchObject({ status: 401 });
    // The owner signs in again and carries on.
    const again = await RelyingParty.discover(portico.url);
    await nextSecond();
    const fresh = (await again.signIn(user.username, user.password)).tokens;
    expect(await oidc.fetchUserInfo(again.config, fresh.access_token, user.id)).toMatchObject({ sub: user.id });
  });
});
