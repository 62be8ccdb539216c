import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ADMIN_ROUTES } from '../../src/admin/routes.js';
import { clients, portalOrigin, usePortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * The operators' admin API (/admin/api/v1): bearer tokens of admin clients from Portico's own
 * token endpoint, problem+json errors, the OpenAPI document built from the route table, and
 * the help desk's actions and searches over HTTP.
 */

const admin = { id: 'ops-admin', secret: 'ops-admin-secret-0123456789abcdef' };
const reader = { id: 'ops-reader', secret: 'ops-reader-secret-0123456789abcdef' };

let portico: TestPortico;
usePortico((p) => (portico = p), {
  extraClients: [
    { client_id: admin.id, client_name: 'Ops tool', client_secret: admin.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:read', 'admin:users:write', 'admin:audit:read'] },
    { client_id: reader.id, client_name: 'Ops dashboard', client_secret: reader.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:read'] },
  ],
});

async function tokenResponse(client: { id: string; secret: string }, scope?: string): Promise<Response> {
  return fetch(`${portico.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
}

async function tokenOf(client: { id: string; secret: string }, scope?: string): Promise<string> {
  const response = await tokenResponse(client, scope);
  const body = (await response.json()) as { access_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

const ALL = 'admin:users:read admin:users:write admin:audit:read';

function api(path: string, token?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${portico.url}/admin/api/v1${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function expectProblem(response: Response, status: number, kind: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await json(response);
  expect(body).toMatchObject({ type: `urn:portico:admin-api:problem:${kind}`, status, title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);
  return body;
}

describe('admin API authentication', () => {
  it('refuses no token and a garbage token with 401 and a Bearer challenge', async () => {
    const none = await api('/users');
    await expectProblem(none, 401, 'invalid-token');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const garbage = await api('/users', 'not-a-token-at-all');
    await expectProblem(garbage, 401, 'invalid-token');
    expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    await expectProblem(await api('/users', undefined, { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'invalid-token');
  });

  it('answers 403 insufficient_scope for a live admin token without the route\'s scope', async () => {
    const token = await tokenOf(reader, 'admin:users:read');
    expect((await api('/users', token)).status).toBe(200);
    const refused = await api('/audit', token);
    await expectProblem(refused, 403, 'insufficient-scope');
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    // A scope its client was not given is not issued at all.
    expect(await json(await tokenResponse(reader, 'admin:users:write'))).toMatchObject({ error: 'invalid_scope' });
  });

  it('gives no access to tokens of other clients: a service client cannot get admin scopes, and its tokens and people\'s are refused', async () => {
    expect(await json(await tokenResponse(clients.service, 'admin:users:read'))).toMatchObject({ error: 'invalid_scope' });
    const service = await tokenOf(clients.service);
    // A live token, but of a client without the privilege: 403, as a missing scope.
    await expectProblem(await api('/users', service), 403, 'insufficient-scope');

    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    await expectProblem(await api('/users', tokens.access_token), 401, 'invalid-token');
    // A portal's authorization request cannot ask for an admin scope either.
    const request = await rp.authorizationRequest({ scope: 'openid admin:users:read' });
    const answer = await rp.browser.follow(request.url);
    expect(answer.url).toContain('error=invalid_scope');
  });
});

describe('admin API users', () => {
  it('searches by username, email or name and pages with a cursor without repeats', async () => {
    const token = await tokenOf(admin, ALL);
    const tag = `pg${Date.now().toString(36)}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await portico.createUser({ username: `${tag}-${i}`, trustDevice: false }));
    const byEmail = await json<{ items: Array<{ id: string }> }>(await api(`/users?q=${encodeURIComponent(made[2]!.email.toUpperCase())}`, token));
    expect(byEmail.items.map((u) => u.id)).toEqual([made[2]!.id]);
    const special = await portico.createUser({ givenName: 'Zebulon', familyName: `Quux${tag}`, trustDevice: false });
    const byName = await json<{ items: Array<{ id: string; name: string }> }>(await api(`/users?q=${encodeURIComponent(`zebulon quux${tag}`)}`, token));
    expect(byName.items).toEqual([expect.objectContaining({ id: special.id, name: `Zebulon Quux${tag}` })]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ username: string }>; next_cursor: string | null } = await json(await api(`/users?q=${tag}-&limit=2${cursor ? `&cursor=${cursor}` : ''}`, token));
      seen.push(...page.items.map((u) => u.username));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(made.map((u) => u.username));
    await expectProblem(await api('/users?cursor=garbage', token), 400, 'invalid-request');
    // Blank parameters, as a form sends them, are absent ones.
    expect((await api(`/users?q=&status=&cursor=&limit=1`, token)).status).toBe(200);
  });

  it('shows one ID and unlocks a locked one, who can then sign in; the change is audited with the admin client as actor', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    const db = portico.server.database.db;
    await db.updateTable('accounts').set({ status: 'disabled', lock_reason: 'failed_passwords', locked_at: new Date(), failed_password_count: 5 }).where('id', '=', user.id).execute();
    const shown = await json(await api(`/users/${user.id}`, token));
    expect(shown).toMatchObject({ id: user.id, status: 'disabled', lock: { reason: 'failed_passwords' }, failed_sign_ins: { password: 5 }, trusted_devices: 1, second_step: { passkeys: 0 } });
    await expectProblem(await api('/users/no-such-id', token), 404, 'not-found');

    const unlocked = await api(`/users/${user.id}/unlock`, token, { method: 'POST' });
    expect(await json(unlocked)).toEqual({ id: user.id, action: 'unlock', changed: true });
    expect(await json(await api(`/users/${user.id}`, token))).toMatchObject({ status: 'active', lock: null, failed_sign_ins: { password: 0 } });
    const rp = await RelyingParty.discover(portico.url);
    await rp.signIn(user.username, user.password);

    const audit = await json<{ items: Array<Record<string, unknown>> }>(await api(`/audit?account=${user.id}&action=operator.*`, token));
    expect(audit.items[0]).toMatchObject({ action: 'operator.unlock', actor: `client:${admin.id}`, client_id: admin.id, account_id: user.id });
  });

  it('disable ends access: userinfo of an existing token is refused', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ sub: user.id });
    expect(await json(await api(`/users/${user.id}/disable`, token, { method: 'POST' }))).toMatchObject({ changed: true });
    await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).rejects.toMatchObject({ status: 401 });
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('sessions/end signs the ID out everywhere: its refresh token stops working', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    // Tokens are stamped in whole seconds: the end comes a second after the sign-in.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await json(await api(`/users/${user.id}/sessions/end`, token, { method: 'POST' }))).toMatchObject({ action: 'end_sessions', changed: true });
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('type gives the ID a declared type, which the portal then gets in account_type; an undeclared one is a 422 naming the field', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    const claims = async () => (await (await RelyingParty.discover(portico.url)).signIn(user.username, user.password, { scope: 'openid account_type' })).tokens.claims();
    expect(await claims()).toMatchObject({ account_type: 'member' });
    const setType = (type: string, headers: Record<string, string> = {}) =>
      api(`/users/${user.id}/type`, token, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ type }) });
    const refused = await expectProblem(await setType('dentist'), 422, 'undeclared-type');
    expect(refused.errors).toEqual([expect.objectContaining({ in: 'body', field: 'type' })]);
    expect(refused.detail).toBe('type: unknown account type "dentist" (declared in account_types: member, provider, employer, broker)');
    expect(await json(await setType('provider', { 'idempotency-key': `type-${user.id}` }))).toEqual({ id: user.id, action: 'set_type', changed: true });
    const replay = await setType('provider', { 'idempotency-key': `type-${user.id}` });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(await api(`/users/${user.id}`, token))).toMatchObject({ type: 'provider' });
    expect(await claims()).toMatchObject({ account_type: 'provider' });
    const audit = await json<{ items: Array<Record<string, unknown>> }>(await api(`/audit?account=${user.id}&action=operator.set_type`, token));
    expect(audit.items).toEqual([expect.objectContaining({ actor: `client:${admin.id}`, client_id: admin.id, details: expect.objectContaining({ from: 'member', to: 'provider', changed: true }) })]);
    await expectProblem(await api('/users/no-such-id/type', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'provider' }) }), 404, 'not-found');
  });

  it('password-change makes the next sign-in ask for a new password; devices/forget leaves it no remembered device', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    expect(await json(await api(`/users/${user.id}/password-change`, token, { method: 'POST' }))).toEqual({ id: user.id, action: 'require_password_change', changed: true });
    expect(await json(await api(`/users/${user.id}/password-change`, token, { method: 'POST' }))).toMatchObject({ changed: false });
    const rp = await RelyingParty.discover(portico.url);
    const page = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    expect(page.url.startsWith(portalOrigin)).toBe(false);
    expect(page.html).toContain('Update your password');

    expect(await json(await api(`/users/${user.id}`, token))).toMatchObject({ trusted_devices: 1 });
    expect(await json(await api(`/users/${user.id}/devices/forget`, token, { method: 'POST' }))).toEqual({ id: user.id, action: 'forget_devices', changed: true });
    expect(await json(await api(`/users/${user.id}`, token))).toMatchObject({ trusted_devices: 0 });
    const audit = await json<{ items: Array<{ action: string; actor: string }> }>(await api(`/audit?account=${user.id}&action=operator.*`, token));
    expect(audit.items.map((e) => [e.action, e.actor])).toEqual([
      ['operator.forget_devices', `client:${admin.id}`],
      ['operator.require_password_change', `client:${admin.id}`],
      ['operator.require_password_change', `client:${admin.id}`],
    ]);
  });

  it('answers problem+json listing the fields of a bad query or body', async () => {
    const token = await tokenOf(admin, ALL);
    const bad = await expectProblem(await api('/users?limit=500&status=gone', token), 400, 'invalid-request');
    expect((bad.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['limit', 'status']);
    const user = await portico.createUser();
    const body = await expectProblem(
      await api(`/users/${user.id}/second-step/reset`, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'carrier-pigeon' }) }),
      400,
      'invalid-request',
    );
    expect(body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'method' })]);
    await expectProblem(await api('/nowhere', token), 404, 'not-found');
    await expectProblem(await api('/users', token, { method: 'DELETE' }), 405, 'method-not-allowed');
  });
});

describe('admin API idempotency', () => {
  it('answers a retried write with its first answer, once acted on; the same key for another request is 422', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    const headers = { 'idempotency-key': `disable-${user.id}` };
    const first = await api(`/users/${user.id}/disable`, token, { method: 'POST', headers });
    expect(await json(first)).toEqual({ id: user.id, action: 'disable', changed: true });
    // Re-enabled in between: a replay must not disable again.
    await api(`/users/${user.id}/enable`, token, { method: 'POST' });
    const retry = await api(`/users/${user.id}/disable`, token, { method: 'POST', headers });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(retry)).toEqual({ id: user.id, action: 'disable', changed: true });
    expect(await json(await api(`/users/${user.id}`, token))).toMatchObject({ status: 'active' });
    const events = await json<{ items: Array<{ action: string }> }>(await api(`/audit?account=${user.id}&action=operator.disable`, token));
    expect(events.items).toHaveLength(1);

    await expectProblem(await api(`/users/${user.id}/unlock`, token, { method: 'POST', headers }), 422, 'idempotency-key-reused');
    const reset = (method: string) =>
      api(`/users/${user.id}/second-step/reset`, token, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `reset-${user.id}` }, body: JSON.stringify({ method }) });
    expect((await reset('passkeys')).status).toBe(200);
    await expectProblem(await reset('phone'), 422, 'idempotency-key-reused');
  });
});

describe('admin API document and audit export', () => {
  it('publishes OpenAPI 3.1 listing every route, whose request schemas are what the routes refuse', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; schema: Record<string, unknown> }>; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>> }>(await api('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ADMIN_ROUTES) expect(doc.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toBeDefined();
    expect(Object.values(doc.paths).flatMap((p) => Object.keys(p))).toHaveLength(ADMIN_ROUTES.length);

    // The document's schema for limit refuses 500, and so does the route.
    const limit = doc.paths['/users']!.get!.parameters.find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', schema: { type: 'integer', maximum: 200 } });
    const reset = doc.paths['/users/{id}/second-step/reset']!.post!.requestBody!.content['application/json']!.schema;
    const documented = z.fromJSONSchema(reset as never);
    expect(documented.safeParse({ method: 'carrier-pigeon' }).success).toBe(false);
    expect(documented.safeParse({ method: 'passkeys' }).success).toBe(true);
  });

  it('streams the audit log as JSON Lines and CSV', async () => {
    const token = await tokenOf(admin, ALL);
    const user = await portico.createUser();
    await api(`/users/${user.id}/disable`, token, { method: 'POST' });
    await api(`/users/${user.id}/enable`, token, { method: 'POST' });

    const jsonl = await api(`/audit/export?account=${user.id}`, token);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/jsonl/);
    const lines = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line) as { action: string });
    expect(lines.map((e) => e.action).slice(0, 2)).toEqual(['operator.enable', 'operator.disable']);

    const csv = await api(`/audit/export?account=${user.id}&format=csv&action=operator.*`, token);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('id,occurred_at,action,actor,account_id,client_id,ip,user_agent,details');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain(`,operator.enable,client:${admin.id},${user.id},${admin.id},`);
  });
});
