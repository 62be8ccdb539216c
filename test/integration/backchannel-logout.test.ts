import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { DEVICE_COOKIE, portalOrigin, startPortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';
import { waitUntil } from '../support/wait.js';

/*
 * OpenID Connect Back-Channel Logout 1.0: two portals signed in on one browser session each
 * receive a signed logout token when the person signs out of one of them, and when the help
 * desk disables the ID. The receivers listen on the loopback only.
 */

interface Receiver {
  server: Server;
  uri: string;
  tokens: string[];
}

async function startReceiver(): Promise<Receiver> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && token) tokens.push(token);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`, tokens };
}

const receivers: Receiver[] = [];
const portals = [
  { id: 'portal-e', secret: 'portal-e-secret-0123456789abcdef', redirectUri: `${portalOrigin}/e/callback`, logoutUri: `${portalOrigin}/e/` },
  { id: 'portal-f', secret: 'portal-f-secret-0123456789abcdef', redirectUri: `${portalOrigin}/f/callback`, logoutUri: `${portalOrigin}/f/` },
];
const admin = { id: 'ops-admin', secret: 'ops-admin-secret-0123456789abcdef' };

let portico: TestPortico;
beforeAll(async () => {
  receivers.push(await startReceiver(), await startReceiver());
  portico = await startPortico({
    extraClients: [
      ...portals.map((p, i) => ({
        client_id: p.id,
        client_name: `Portal ${p.id}`,
        client_secret: p.secret,
        redirect_uris: [p.redirectUri],
        post_logout_redirect_uris: [p.logoutUri],
        grant_types: ['authorization_code', 'refresh_token'],
        first_party: true,
        backchannel_logout_uri: receivers[i]!.uri,
        backchannel_logout_session_required: true,
      })),
      { client_id: admin.id, client_name: 'Ops tool', client_secret: admin.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:write'] },
    ],
  });
});
afterAll(async () => {
  await portico?.stop();
  for (const r of receivers) await new Promise((resolve) => r.server.close(resolve));
});

async function signInBoth(username: string, password: string) {
  const first = await RelyingParty.discover(portico.url, portals[0]!);
  const second = await RelyingParty.discover(portico.url, portals[1]!, first.browser);
  first.browser.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const one = await first.signIn(username, password);
  // The same browser: the second portal is signed in on the same session, without a password.
  const two = await second.signIn(username, password);
  return { first, second, tokens: [one.tokens, two.tokens] };
}

async function verifiedLogoutToken(token: string, clientId: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${portico.url}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: portico.url, audience: clientId });
  expect(protectedHeader.typ).toBe('logout+jwt');
  expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
  expect(payload.nonce).toBeUndefined();
  expect(typeof payload.jti).toBe('string');
  return payload;
}

async function expectOneTokenEach(sub: string, sids: Array<string | undefined>): Promise<void> {
  await waitUntil('a logout token at each portal', () => receivers.every((r) => r.tokens.length >= 1), { timeoutMs: 10_000 });
  // Time for a second, unwanted, delivery to arrive.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, receiver] of receivers.entries()) {
    expect(receiver.tokens).toHaveLength(1);
    const payload = await verifiedLogoutToken(receiver.tokens[0]!, portals[i]!.id);
    expect(payload.sub).toBe(sub);
    expect(payload.sid).toBe(sids[i]);
  }
}

describe('back-channel logout', () => {
  it('sends every portal on the session a logout token when the person signs out of one', async () => {
    for (const r of receivers) r.tokens.length = 0;
    const user = await portico.createUser();
    const { first, tokens } = await signInBoth(user.username, user.password);
    const sids = tokens.map((t) => t.claims()!.sid as string | undefined);
    expect(sids.every(Boolean)).toBe(true);

    const end = oidc.buildEndSessionUrl(first.config, { id_token_hint: tokens[0]!.id_token!, post_logout_redirect_uri: portals[0]!.logoutUri });
    const confirm = await first.browser.follow(end.toString());
    const action = formAction(confirm.html!, /\/session\/end\/confirm$/)!;
    await first.browser.follow(new URL(action, portico.url).toString(), { form: { xsrf: hiddenInput(confirm.html!, 'xsrf')!, logout: 'yes' } });

    await expectOneTokenEach(user.id, sids);
  });

  it('sends every portal the person is signed in to a logout token when the help desk disables the ID', async () => {
    for (const r of receivers) r.tokens.length = 0;
    const user = await portico.createUser();
    const { tokens } = await signInBoth(user.username, user.password);
    const sids = tokens.map((t) => t.claims()!.sid as string | undefined);

    const token = await fetch(`${portico.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${admin.id}:${admin.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:users:write' }),
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
    const disabled = await fetch(`${portico.url}/admin/api/v1/users/${user.id}/disable`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(disabled.status).toBe(200);

    await expectOneTokenEach(user.id, sids);
  });

  it('does the same when `portico users end-sessions` runs inside the server, and tells no one twice', async () => {
    for (const r of receivers) r.tokens.length = 0;
    const user = await portico.createUser();
    const { tokens } = await signInBoth(user.username, user.password);
    const sids = tokens.map((t) => t.claims()!.sid as string | undefined);
    const ctx = { out: () => {}, err: () => {}, config: portico.config, db: async () => portico.server.database.db, operator: 'test-operator', portals: portico.server.portals };
    expect(await runCommand(['users', 'end-sessions', user.username], ctx)).toBe(0);
    await expectOneTokenEach(user.id, sids);
    // The sessions are gone from the store: ending them again sends nothing more.
    expect(await runCommand(['users', 'end-sessions', user.username], ctx)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receivers.map((r) => r.tokens.length)).toEqual([1, 1]);
  });
});
