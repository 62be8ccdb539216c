import { describe, expect, it } from 'vitest';
import { addMember, changeRole, removeMember } from '../../src/identity/organizations/members.js';
import type { Db } from '../../src/storage/database.js';
import { adminToken } from '../support/admin-token.js';
import { pendingOrganization as newPending, typedTaxIds as typed } from '../support/organizations.js';
import { usePortico, type TestPortico } from '../support/portico.js';

/*
 * The admin API's organisation routes (scope admin:orgs): the list, one organisation, and the
 * operator's decision, as `portico orgs` does them, audited with the client as the actor; the
 * Tax ID leaves only as its last four digits.
 */

const ops = { id: 'ops-orgs', secret: 'ops-orgs-secret-0123456789abcdef' };
const desk = { id: 'ops-desk', secret: 'ops-desk-secret-0123456789abcdef' };

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  extraClients: [
    { client_id: ops.id, client_name: 'Org desk', client_secret: ops.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:orgs'] },
    { client_id: desk.id, client_name: 'Help desk', client_secret: desk.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:read', 'admin:users:write'] },
  ],
});

const tokenOf = (client: { id: string; secret: string }, scope: string) => adminToken(portico.url, client, scope);

/** Every answer's text, to look for a whole Tax ID in. */
const answers: string[] = [];
async function api(path: string, token: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${portico.url}/admin/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.key ? { 'idempotency-key': init.key } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const pendingOrganization = (legalName: string) => newPending(portico, db, legalName);

const decisions = (organizationId: string, actions = ['operator.org_approve', 'operator.org_reject']) =>
  db.selectFrom('audit_events').select(['action', 'actor', 'client_id', 'details']).where('action', 'in', actions).where(({ eb, ref }) => eb(ref('details', '->>').key('organization_id' as never), '=', organizationId)).orderBy('occurred_at').execute();

describe('admin API organisations', () => {
  it('lists, shows, approves and rejects as the CLI does, audited with the client as actor, showing only the Tax ID\'s last four digits', async () => {
    const token = await tokenOf(ops, 'admin:orgs');
    const first = await pendingOrganization('Lakeside Family Clinic');
    const second = await pendingOrganization('Harbor Dental Group');

    const pending = await api('/orgs?status=pending', token);
    expect(pending.status).toBe(200);
    expect(pending.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: first.id, status: 'pending', legal_name: 'Lakeside Family Clinic', tax_id_last4: first.last4 })]));
    expect((await api('/orgs?status=pending&limit=1', token)).body.items).toHaveLength(1);

    const shown = await api(`/orgs/${first.id}`, token);
    expect(shown).toMatchObject({ status: 200, body: { id: first.id, tax_id_last4: first.last4, requester: { id: first.user.id, username: first.user.username }, members: 0, decided_by: null } });

    const approved = await api(`/orgs/${first.id}/approve`, token, { method: 'POST' });
    expect(approved).toEqual({ status: 200, body: { id: first.id, status: 'approved', requester_notified: true } });
    expect((await api(`/orgs/${first.id}`, token)).body).toMatchObject({ status: 'approved', decided_by: `client:${ops.id}`, members: 1 });
    expect(await decisions(first.id)).toMatchObject([{ action: 'operator.org_approve', actor: `client:${ops.id}`, client_id: ops.id, details: { via: 'admin_api', tax_id_last4: first.last4 } }]);
    // Decided already: a 409 naming what it is, and nothing changes.
    const again = await api(`/orgs/${first.id}/reject`, token, { method: 'POST', body: { reason: 'Too late' } });
    expect(again).toMatchObject({ status: 409, body: { type: 'urn:portico:admin-api:problem:already-decided', status: 409, organization_status: 'approved' } });

    const blank = await api(`/orgs/${second.id}/reject`, token, { method: 'POST', body: { reason: '  ' } });
    expect(blank.status).toBe(400);
    const rejected = await api(`/orgs/${second.id}/reject`, token, { method: 'POST', body: { reason: 'The Tax ID does not match the legal name.' } });
    expect(rejected).toEqual({ status: 200, body: { id: second.id, status: 'rejected', requester_notified: true } });
    expect((await api(`/orgs/${second.id}`, token)).body).toMatchObject({ status: 'rejected', reason: 'The Tax ID does not match the legal name.', decided_by: `client:${ops.id}` });
    expect(await decisions(second.id)).toMatchObject([{ action: 'operator.org_reject', actor: `client:${ops.id}`, details: { reason: 'The Tax ID does not match the legal name.' } }]);

    expect((await api('/orgs/00000000-0000-4000-8000-000000000000', token)).status).toBe(404);
    expect((await api('/orgs?status=approved', token)).body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: first.id })]));
  });

  it('suspends and reinstates, answering 409 for the wrong status, replaying a retried write, audited with the client and the reason', async () => {
    const token = await tokenOf(ops, 'admin:orgs');
    const org = await pendingOrganization('Bayfront Imaging');
    const suspendIt = (key?: string) => api(`/orgs/${org.id}/suspend`, token, { method: 'POST', body: { reason: 'Unpaid invoices.' }, key });
    // Pending: neither applies.
    expect(await suspendIt()).toMatchObject({ status: 409, body: { type: 'urn:portico:admin-api:problem:wrong-status', status: 409, organization_status: 'pending' } });
    expect((await api(`/orgs/${org.id}/approve`, token, { method: 'POST' })).status).toBe(200);
    expect((await api(`/orgs/${org.id}`, token)).body).toMatchObject({ kind: 'member', status: 'approved' });

    expect((await api(`/orgs/${org.id}/suspend`, token, { method: 'POST', body: {} })).status).toBe(400);
    expect(await suspendIt('suspend-bayfront')).toEqual({ status: 200, body: { id: org.id, status: 'suspended' } });
    // The same key again: the first answer, not a 409, and no second audit event.
    expect(await suspendIt('suspend-bayfront')).toEqual({ status: 200, body: { id: org.id, status: 'suspended' } });
    expect(await suspendIt()).toMatchObject({ status: 409, body: { type: 'urn:portico:admin-api:problem:wrong-status', organization_status: 'suspended', detail: 'The organisation is suspended; only an approved one can be suspended.' } });
    expect((await api(`/orgs/${org.id}`, token)).body).toMatchObject({ status: 'suspended', reason: 'Unpaid invoices.' });
    expect((await api('/orgs?status=suspended', token)).body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: org.id, kind: 'member' })]));

    expect(await api(`/orgs/${org.id}/reinstate`, token, { method: 'POST' })).toEqual({ status: 200, body: { id: org.id, status: 'approved' } });
    expect(await api(`/orgs/${org.id}/reinstate`, token, { method: 'POST' })).toMatchObject({ status: 409, body: { type: 'urn:portico:admin-api:problem:wrong-status', organization_status: 'approved' } });
    expect((await api('/orgs/00000000-0000-4000-8000-000000000000/reinstate', token, { method: 'POST' })).status).toBe(404);
    // Subscribed portals heard it once per change, naming the member (the retried write emitted nothing more).
    const told = await db.selectFrom('webhook_outbox').select('event_type').where('subject', '=', org.user.id).where('event_type', 'in', ['organisation.suspended', 'organisation.reinstated']).orderBy('created_at').orderBy('id').execute();
    expect(told.map((e) => e.event_type)).toEqual(['organisation.suspended', 'organisation.reinstated']);
    expect(await decisions(org.id, ['operator.org_suspend', 'operator.org_reinstate'])).toMatchObject([
      { action: 'operator.org_suspend', actor: `client:${ops.id}`, client_id: ops.id, details: { via: 'admin_api', reason: 'Unpaid invoices.' } },
      { action: 'operator.org_reinstate', actor: `client:${ops.id}`, client_id: ops.id },
    ]);
  });

  it('pages the pending requests oldest first with a cursor: every one once, a decision between pages skips none; a forged cursor is a 400 problem', async () => {
    const token = await tokenOf(ops, 'admin:orgs');
    const mine: string[] = [];
    for (const name of ['Paging Clinic A', 'Paging Clinic B', 'Paging Clinic C', 'Paging Clinic D', 'Paging Clinic E']) mine.push((await pendingOrganization(name)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await api(`/orgs?status=pending&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
      expect(page.status).toBe(200);
      const items = page.body.items as Array<{ id: string; status: string }>;
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((o) => o.id));
      // Deciding a request already handed out moves the rest of the queue by nothing.
      if (pages === 0) expect((await api(`/orgs/${items[0]!.id}/approve`, token, { method: 'POST' })).status).toBe(200);
      cursor = page.body.next_cursor as string | null;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => mine.includes(id))).toEqual(mine);

    for (const forged of ['not-a-cursor', Buffer.from(JSON.stringify(['12', 'x', 'y'])).toString('base64url'), Buffer.from(JSON.stringify(['soon', 'x'])).toString('base64url')]) {
      const refused = await api(`/orgs?cursor=${forged}`, token);
      expect(refused, forged).toMatchObject({ status: 400, body: { type: 'urn:portico:admin-api:problem:invalid-request' } });
    }
  });

  it('answers 403 to a token without admin:orgs and decides nothing', async () => {
    const token = await tokenOf(desk, 'admin:users:read admin:users:write');
    const org = await pendingOrganization('Northside Pharmacy');
    for (const [path, method, body] of [['/orgs', 'GET'], [`/orgs/${org.id}`, 'GET'], [`/orgs/${org.id}/approve`, 'POST'], [`/orgs/${org.id}/reject`, 'POST', { reason: 'No' }], [`/orgs/${org.id}/suspend`, 'POST', { reason: 'No' }], [`/orgs/${org.id}/reinstate`, 'POST']] as const) {
      const refused = await api(path, token, { method, body });
      expect(refused, `${method} ${path}`).toMatchObject({ status: 403, body: { type: 'urn:portico:admin-api:problem:insufficient-scope' } });
    }
    expect(await decisions(org.id)).toEqual([]);
    expect((await api(`/orgs/${org.id}`, await tokenOf(ops, 'admin:orgs'))).body).toMatchObject({ status: 'pending' });
  });

  it('tells subscribed portals of each membership change, naming the member: added on approval, role changed, removed', async () => {
    const token = await tokenOf(ops, 'admin:orgs');
    const org = await pendingOrganization('Riverside Physio');
    const member = await portico.createUser();
    const events = (subject: string) => db.selectFrom('webhook_outbox').select('event_type').where('subject', '=', subject).where('event_type', 'like', 'organisation.%').orderBy('created_at').orderBy('id').execute();
    expect((await api(`/orgs/${org.id}/approve`, token, { method: 'POST' })).status).toBe(200);
    expect(await events(org.user.id)).toEqual([{ event_type: 'organisation.member_added' }]);

    expect(await addMember(db, org.id, member.id, 'member', `account:${org.user.id}`)).toBe(true);
    // Already a member: nothing changed, nothing told.
    expect(await addMember(db, org.id, member.id, 'member', `account:${org.user.id}`)).toBe(false);
    expect(await changeRole(db, org.user.id, org.id, member.id, 'member')).toEqual({ ok: true, changed: false });
    expect(await changeRole(db, org.user.id, org.id, member.id, 'admin')).toEqual({ ok: true, changed: true });
    expect(await removeMember(db, org.user.id, org.id, member.id)).toEqual({ ok: true });
    expect((await events(member.id)).map((e) => e.event_type)).toEqual(['organisation.member_added', 'organisation.member_role_changed', 'organisation.member_removed']);
  });

  it('never answers a whole Tax ID', () => {
    expect(typed.size).toBeGreaterThan(0);
    for (const digits of typed) {
      const dashed = `${digits.slice(0, 2)}-${digits.slice(2)}`;
      for (const text of answers) expect(text.includes(digits) || text.includes(dashed)).toBe(false);
    }
  });
});
