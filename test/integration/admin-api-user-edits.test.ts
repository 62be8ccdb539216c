import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { usePortico, type TestPortico } from '../support/portico.js';

/*
 * The admin API's POST /users (an ID with an invitation to choose its password) and
 * PATCH /users/{id} (address with or without re-verification, name, type): validated by the
 * route table's schemas, idempotent, audited with the admin client as actor, and bound by the
 * account page's rule that a verified address is one ID's only.
 */

const admin = { id: 'ops-edit', secret: 'ops-edit-secret-0123456789abcdef' };

let portico: TestPortico;
let db: Db;
usePortico((p, database) => ((portico = p), (db = database)), {
  extraClients: [{ client_id: admin.id, client_name: 'Ops tool', client_secret: admin.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:read', 'admin:users:write'] }],
});

async function token(): Promise<string> {
  const response = await fetch(`${portico.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${admin.id}:${admin.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:users:read admin:users:write' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function send(method: 'POST' | 'PATCH', path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${portico.url}/admin/api/v1${path}`, { method, headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let counter = 0;
const fresh = () => `api${Date.now().toString(36)}${++counter}`;
const mails = (email: string, template: string) => db.selectFrom('mail_outbox').select(['text_body']).where(sql`lower(to_address)`, '=', email.toLowerCase()).where('template', '=', template).execute();
const audit = (accountId: string, action: string) => db.selectFrom('audit_events').select(['actor', 'client_id', 'details']).where('account_id', '=', accountId).where('action', '=', action).execute();

describe('POST /admin/api/v1/users', () => {
  it('creates an ID without a usable password and mails it an invitation, audited with the client as actor; a retry with the same key creates nothing more', async () => {
    const n = fresh();
    const input = { username: n, email: `${n}@example.com`, given_name: 'Ines', family_name: 'Ruiz' };
    const created = await send('POST', '/users', input, { 'idempotency-key': `create-${n}` });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ username: n, email: input.email, email_verified: false, type: 'member', status: 'active' });
    const id = created.body.id as string;
    expect((await mails(input.email, 'invitation'))[0]!.text_body).toContain(`${portico.config.issuer}/invitation?token=`);
    expect(await audit(id, 'account.created')).toMatchObject([{ actor: `client:${admin.id}`, client_id: admin.id, details: { via: 'admin_api', invitation: true } }]);

    const retry = await send('POST', '/users', input, { 'idempotency-key': `create-${n}` });
    expect(retry.body.id).toBe(id);
    expect(await mails(input.email, 'invitation')).toHaveLength(1);
  });

  it('refuses a taken username or verified address (409), an undeclared type (422) and unknown fields (400), creating nothing', async () => {
    const user = await portico.createUser();
    const n = fresh();
    const taken = await send('POST', '/users', { username: user.username, email: `${n}@example.com`, given_name: 'A', family_name: 'B' });
    expect([taken.status, taken.body.type]).toEqual([409, 'urn:portico:admin-api:problem:already-exists']);
    const verified = await send('POST', '/users', { username: n, email: user.email.toUpperCase(), given_name: 'A', family_name: 'B' });
    expect(verified.status).toBe(409);
    const type = await send('POST', '/users', { username: n, email: `${n}@example.com`, given_name: 'A', family_name: 'B', type: 'wizard' });
    expect([type.status, type.body.type]).toEqual([422, 'urn:portico:admin-api:problem:undeclared-type']);
    const extra = await send('POST', '/users', { username: n, email: `${n}@example.com`, given_name: 'A', family_name: 'B', password: 'Correct7Horse' });
    expect(extra.status).toBe(400);
    const spaced = await send('POST', '/users', { username: `${n} x`, email: `${n}@example.com`, given_name: 'A', family_name: 'B' });
    expect(spaced.status).toBe(400);
    // Registration's rules hold at this door too: no markup in a username, no digits in a name.
    const markup = await send('POST', '/users', { username: `${n}<script>`, email: `${n}@example.com`, given_name: 'A', family_name: 'B' });
    expect([markup.status, markup.body.errors]).toEqual([400, [{ in: 'body', field: 'username', message: expect.stringContaining('<') }]]);
    const digits = await send('POST', '/users', { username: n, email: `${n}@example.com`, given_name: 'Call 555 0100', family_name: 'B' });
    expect([digits.status, (digits.body.errors as Array<{ field: string }>)[0]?.field]).toEqual([400, 'given_name']);
    expect(await db.selectFrom('accounts').select('id').where('username', 'like', `${n}%`).execute()).toEqual([]);
  });
});

describe('PATCH /admin/api/v1/users/{id}', () => {
  it('changes the name and type, each audited with the client as actor', async () => {
    const user = await portico.createUser();
    const done = await send('PATCH', `/users/${user.id}`, { given_name: 'Renamed', type: 'member' });
    expect(done).toEqual({ status: 200, body: { id: user.id, changed: ['name'], email_pending: null } });
    expect(await findAccountById(db, user.id)).toMatchObject({ given_name: 'Renamed' });
    expect(await audit(user.id, 'profile.changed')).toMatchObject([{ actor: `client:${admin.id}`, details: { via: 'admin_api' } }]);
  });

  it('sets an address verified without re-verification, telling the old one; refuses another ID\'s verified address', async () => {
    const user = await portico.createUser();
    const other = await portico.createUser();
    const refused = await send('PATCH', `/users/${user.id}`, { email: other.email, verify: false });
    expect([refused.status, refused.body.type]).toEqual([409, 'urn:portico:admin-api:problem:email-taken']);
    expect((await findAccountById(db, user.id))!.email).toBe(user.email);

    const address = `${fresh()}@example.com`;
    const done = await send('PATCH', `/users/${user.id}`, { email: address, verify: false });
    expect(done.body).toEqual({ id: user.id, changed: ['email'], email_pending: null });
    const account = (await findAccountById(db, user.id))!;
    expect([account.email, account.email_verified_at]).toEqual([address, expect.any(Date)]);
    expect(await mails(user.email, 'account-changed')).toHaveLength(1);
    expect(await audit(user.id, 'email.changed')).toMatchObject([{ actor: `client:${admin.id}` }]);
  });

  it('with re-verification mails the new address a code and leaves the address until it is typed back', async () => {
    const user = await portico.createUser();
    const address = `${fresh()}@example.com`;
    const done = await send('PATCH', `/users/${user.id}`, { email: address, verify: true });
    expect(done.body).toEqual({ id: user.id, changed: [], email_pending: address });
    expect((await findAccountById(db, user.id))!.email).toBe(user.email);
    expect(await mails(address, 'recovery-code')).toHaveLength(1);
    expect(await audit(user.id, 'email_change.requested')).toMatchObject([{ actor: `client:${admin.id}`, details: { taken: false } }]);
  });

  it('refuses an empty edit, an address without verify, an undeclared type and unknown fields, changing nothing', async () => {
    const user = await portico.createUser();
    expect((await send('PATCH', `/users/${user.id}`, {})).status).toBe(400);
    expect((await send('PATCH', `/users/${user.id}`, { email: `${fresh()}@example.com` })).status).toBe(400);
    expect((await send('PATCH', `/users/${user.id}`, { given_name: 'X', nickname: 'Y' })).status).toBe(400);
    expect((await send('PATCH', `/users/${user.id}`, { given_name: 'X', type: 'wizard' })).status).toBe(422);
    expect((await send('PATCH', '/users/00000000-0000-4000-8000-000000000000', { given_name: 'X' })).status).toBe(404);
    expect((await findAccountById(db, user.id))!.given_name).not.toBe('X');
  });
});
