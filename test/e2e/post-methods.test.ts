import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/** The request's query parameters, form-encoded in a body instead: what an RP POSTs (OIDC Core §3.1.2.1). */
function asForm(url: string) {
  const parsed = new URL(url);
  return { endpoint: parsed.origin + parsed.pathname, form: Object.fromEntries(parsed.searchParams) };
}

describe('POST at the authorization and end-session endpoints (openid-client)', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico();
  });
  afterAll(() => portico.stop());

  it('signs in and out with both requests POSTed form-encoded', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest();
    const posted = asForm(request.url);
    expect(posted.endpoint).toBe(`${portico.url}/auth`);
    const page = await rp.browser.follow(posted.endpoint, { form: posted.form });
    expect(page.response.status).toBe(200);
    const back = await rp.submitSignIn(page, user.username, user.password);
    const tokens = await rp.exchange(back.url, request);
    expect(tokens.claims()!.sub).toBe(user.id);

    const logout = asForm(oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: clients.firstParty.logoutUri, state: 'bye' }).toString());
    expect(logout.endpoint).toBe(`${portico.url}/session/end`);
    const confirm = await rp.browser.follow(logout.endpoint, { form: logout.form });
    expect(confirm.html).toContain('Yes, sign me out');
    const done = await rp.browser.follow(new URL(formAction(confirm.html!, /\/session\/end\/confirm$/)!, portico.url).toString(), { form: { xsrf: hiddenInput(confirm.html!, 'xsrf')!, logout: 'yes' } });
    expect(done.url).toBe(`${clients.firstParty.logoutUri}?state=bye`);
  });

  it('answers a POST that is not form-encoded with 400 and says why', async () => {
    const response = await fetch(`${portico.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/html' }, body: '{"client_id":"portal-a"}' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('form-encoded');
  });
});
