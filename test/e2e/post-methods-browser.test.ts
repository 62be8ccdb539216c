import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { oidc } from '../support/rp.js';

/**
 * A portal on another site than Portico (localhost against 127.0.0.1), so the browser applies
 * SameSite as it would between real domains. Its callback accepts GET and POST and shows what
 * arrived; /post serves the auto-free form a portal uses to POST an authorization request.
 */
async function startCrossSitePortal() {
  const arrivals: Array<{ method: string; params: URLSearchParams }> = [];
  let postForm = '';
  const read = async (req: IncomingMessage) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    return body;
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal');
    const params = req.method === 'POST' ? new URLSearchParams(await read(req)) : url.searchParams;
    let heading = 'Test portal';
    let body = '';
    if (url.pathname === '/callback') {
      arrivals.push({ method: req.method!, params });
      heading = params.has('code') ? 'Signed in' : `Refused: ${params.get('error')}`;
    } else if (url.pathname === '/bye') heading = 'Signed out';
    else if (url.pathname === '/post') body = postForm;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>Portal</title></head><body><main><h1>${heading}</h1>${body}</main></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    arrivals,
    setPostForm(action: string, fields: Record<string, string>) {
      const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`).join('');
      postForm = `<form method="post" action="${action}">${inputs}<button type="submit">Continue to Portico</button></form>`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('pages that post back, and requests posted to Portico, in Chromium', () => {
  let browser: Browser;
  let portal: Awaited<ReturnType<typeof startCrossSitePortal>>;
  let portico: TestPortico;
  let user: Awaited<ReturnType<TestPortico['createUser']>>;
  const clientId = 'portal-f';

  beforeAll(async () => {
    portal = await startCrossSitePortal();
    portico = await startPortico({
      extraClients: [{ client_id: clientId, client_name: 'Portal F', token_endpoint_auth_method: 'none', redirect_uris: [`${portal.origin}/callback`], post_logout_redirect_uris: [`${portal.origin}/bye`], first_party: true }],
    });
    user = await portico.createUser();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portico?.stop();
    await portal?.stop();
  });

  async function authorizationParams(extra: Record<string, string> = {}) {
    return {
      client_id: clientId,
      redirect_uri: `${portal.origin}/callback`,
      response_type: 'code',
      scope: 'openid',
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      ...extra,
    };
  }

  it('returns the code with response_mode=form_post: the browser posts it to the portal', async () => {
    const page = await (await trustedContext(browser, portico.url)).newPage();
    const params = await authorizationParams({ response_mode: 'form_post' });
    await page.goto(`${portico.url}/auth?${new URLSearchParams(params)}`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Signed in' }).waitFor({ timeout: 10_000 });
    const arrival = portal.arrivals.at(-1)!;
    expect(arrival.method).toBe('POST');
    expect(arrival.params.get('state')).toBe(params.state);
    await page.context().close();
  });

  it('completes a logout request that finds no session, back to the portal', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${portico.url}/session/end?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: `${portal.origin}/bye` })}`);
    await page.getByRole('heading', { name: 'Signed out' }).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).origin).toBe(portal.origin);
    await page.context().close();
  });

  it('takes an authorization request POSTed from another site, which does not carry the session cookie', async () => {
    const context = await trustedContext(browser, portico.url);
    const page = await context.newPage();
    await page.goto(`${portico.url}/auth?${new URLSearchParams(await authorizationParams())}`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();

    // prompt=none POSTed from the portal's page: SameSite=Lax keeps the session cookie back,
    // so Portico sees no session and answers login_required; the session itself is untouched.
    portal.setPostForm(`${portico.url}/auth`, await authorizationParams({ prompt: 'none' }));
    await page.goto(`${portal.origin}/post`);
    await page.getByRole('button', { name: 'Continue to Portico' }).click();
    await page.getByRole('heading', { name: 'Refused: login_required' }).waitFor();

    // The same request as a GET navigation carries the cookie: single sign-on as usual.
    await page.goto(`${portico.url}/auth?${new URLSearchParams(await authorizationParams({ prompt: 'none' }))}`);
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();

    // Without prompt=none, the POST shows the sign-in page and a sign-in continues to the portal.
    portal.setPostForm(`${portico.url}/auth`, await authorizationParams());
    await page.goto(`${portal.origin}/post`);
    await page.getByRole('button', { name: 'Continue to Portico' }).click();
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();

    // A logout POSTed from the portal's site finds no session either: no confirmation page,
    // straight back to the portal. The logout request's own new session cookie replaces the
    // browser's, so a later GET finds no session: the person is signed out of this browser.
    portal.setPostForm(`${portico.url}/session/end`, { client_id: clientId, post_logout_redirect_uri: `${portal.origin}/bye` });
    await page.goto(`${portal.origin}/post`);
    await page.getByRole('button', { name: 'Continue to Portico' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.goto(`${portico.url}/auth?${new URLSearchParams(await authorizationParams({ prompt: 'none' }))}`);
    await page.getByRole('heading', { name: 'Refused: login_required' }).waitFor();
    await context.close();
  });
});
