import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clients, usePortico, type TestPortico } from '../support/portico.js';

/*
 * The clients of the admin API: the clients in force without their secrets, and a reload of the
 * clients file without a restart, checked as at start-up, a bad file refused with start-up's
 * one-line message while the clients in force carry on.
 */

const ops = { id: 'ops-clients', secret: 'ops-clients-secret-0123456789abcdef' };
const desk = { id: 'ops-desk', secret: 'ops-desk-secret-0123456789abcdefgh' };
const fromEnv = { id: 'env-portal', variable: 'ENV_PORTAL_SECRET', secret: 'env-portal-secret-from-the-environment-42' };
const late = { id: 'late-service', secret: 'late-service-secret-0123456789abcdef' };

let portico: TestPortico;
usePortico((p) => (portico = p), {
  env: { [fromEnv.variable]: fromEnv.secret },
  extraClients: [
    { client_id: ops.id, client_name: 'Clients tool', client_secret: ops.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:clients', 'admin:audit:read'] },
    { client_id: desk.id, client_name: 'Help desk tool', client_secret: desk.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:read', 'admin:users:write'] },
    { client_id: fromEnv.id, client_name: 'Env portal', client_secret_env: fromEnv.variable, redirect_uris: ['https://env.example/cb'], branding: { display_name: 'The Env Portal' } },
  ],
});

async function tokenResponse(client: { id: string; secret: string }, scope?: string): Promise<Response> {
  return fetch(`${portico.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
}

async function tokenOf(client: { id: string; secret: string }, scope: string): Promise<string> {
  const response = await tokenResponse(client, scope);
  const body = (await response.json()) as { access_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${portico.url}/admin/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

const reload = (token: string) => api('/clients/reload', token, { method: 'POST' });

/** The clients file as the server read it, its entries changed by `change`. */
function rewriteClients(change: (entries: Array<Record<string, unknown>>) => Array<Record<string, unknown>>): void {
  const file = portico.config.clientsFile;
  const { clients: entries } = JSON.parse(readFileSync(file, 'utf8')) as { clients: Array<Record<string, unknown>> };
  writeFileSync(file, JSON.stringify({ clients: change(entries) }));
}

describe('admin API clients', () => {
  it('lists the clients in force with their grants, redirects, scopes and display names, and never a secret', async () => {
    const token = await tokenOf(ops, 'admin:clients');
    const response = await api('/clients', token);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of [ops.secret, desk.secret, fromEnv.secret, clients.firstParty.secret, clients.service.secret, clients.strict.secret]) expect(text).not.toContain(secret);
    const { items } = JSON.parse(text) as { items: Array<Record<string, unknown>> };
    expect(items.map((c) => c.client_id)).not.toContain('portico-account');
    const byId = new Map(items.map((c) => [c.client_id, c]));
    expect(byId.get(fromEnv.id)).toEqual({
      client_id: fromEnv.id,
      name: 'Env portal',
      first_party: false,
      grant_types: ['authorization_code'],
      redirect_uris: ['https://env.example/cb'],
      post_logout_redirect_uris: [],
      scopes: ['openid', 'offline_access', 'profile', 'email', 'account_type', 'organizations'],
      admin_scopes: null,
      branding_display_name: 'The Env Portal',
      token_endpoint_auth_method: 'client_secret_basic',
      secret: { from: 'environment', env: fromEnv.variable },
    });
    expect(byId.get(ops.id)).toMatchObject({ grant_types: ['client_credentials'], scopes: ['admin:clients', 'admin:audit:read'], admin_scopes: ['admin:clients', 'admin:audit:read'], secret: { from: 'file', env: null } });
    expect(byId.get(clients.thirdParty.id)).toMatchObject({ secret: { from: 'none', env: null } });

    // The help desk's scopes do not reach the clients.
    const deskToken = await tokenOf(desk, 'admin:users:read admin:users:write');
    expect((await api('/clients', deskToken)).status).toBe(403);
    expect((await reload(deskToken)).status).toBe(403);
  });

  it('reloads the file without a restart: a client added is usable at /token; a bad file is a 422 with start-up\'s line and the clients in force stay', async () => {
    const token = await tokenOf(ops, 'admin:clients admin:audit:read');
    expect(await (await tokenResponse(late)).json()).toMatchObject({ error: 'invalid_client' });

    rewriteClients((entries) => [...entries, { client_id: late.id, client_name: 'Late service', client_secret: late.secret, redirect_uris: ['https://late.example/cb'], grant_types: ['client_credentials', 'authorization_code'] }]);
    const done = await reload(token);
    const count = (JSON.parse(readFileSync(portico.config.clientsFile, 'utf8')) as { clients: unknown[] }).clients.length;
    expect(await done.json()).toEqual({ reloaded: true, clients: count });
    expect((await tokenResponse(late)).status).toBe(200);
    const listed = (await (await api('/clients', token)).json()) as { items: Array<{ client_id: string }> };
    expect(listed.items.map((c) => c.client_id)).toContain(late.id);
    // The new portal's origin is one the sign-in forms may end up at (the CSP's form-action).
    expect((await fetch(`${portico.url}/.well-known/openid-configuration`)).headers.get('content-security-policy')).toContain('https://late.example');

    rewriteClients((entries) => [...entries, { client_id: 'typo', client_name: 'Typo', client_secret: 'typo-secret-0123456789abcdef', redirect_urls: ['https://typo.example/cb'] }]);
    const refused = await reload(token);
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({
      type: 'urn:portico:admin-api:problem:invalid-clients-file',
      detail: `${portico.config.clientsFile}: client "typo": redirect_urls: unknown field; did you mean redirect_uris?`,
    });
    // The clients in force carry on: the one the last good reload added, and the admin client's token.
    expect((await tokenResponse(late)).status).toBe(200);
    expect((await api('/clients', token)).status).toBe(200);

    const audit = (await (await api('/audit?action=operator.clients_reload', token)).json()) as { items: Array<{ actor: string; details: Record<string, unknown> }> };
    expect(audit.items.map((e) => [e.actor, e.details.reloaded])).toEqual([
      [`client:${ops.id}`, false],
      [`client:${ops.id}`, true],
    ]);
    // Put the file back as it was when the suite's server started.
    rewriteClients((entries) => entries.filter((e) => e.client_id !== 'typo' && e.client_id !== late.id));
  });
});
