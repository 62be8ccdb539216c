import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorAction } from '../../src/identity/account-admin.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { adminToken } from '../support/admin-token.js';
import { runCli } from '../support/console.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { waitUntil } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Replaying dead-lettered webhook events: an operator lists them (CLI, admin API with scope
 * admin:webhooks) and sends them again once the portal's endpoint works; the receiver then gets
 * each once, signed, and the replay is audited. Two attempts make an event dead here.
 */

const SECRET = 'replay-hook-secret-0123456789abcdef';
const ops = { id: 'ops-hooks', secret: 'ops-hooks-secret-0123456789abcdef' };
const orgDesk = { id: 'ops-orgs-only', secret: 'ops-orgs-only-secret-0123456789ab' };
let receiver: WebhookReceiver;
let portico: TestPortico;
let db: TestPortico['server']['database']['db'];

beforeAll(async () => {
  receiver = await WebhookReceiver.start(SECRET);
  const service = { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
  portico = await startPortico({
    env: { REPLAY_HOOK_SECRET: SECRET },
    policy: { webhooks: { first_retry_seconds: 0.1, max_retry_minutes: 0.01, poll_interval_seconds: 0.1, timeout_seconds: 2, max_attempts: 2 } },
    extraClients: [
      { client_id: 'replayed-portal', client_name: 'Replayed', client_secret: 'replayed-portal-secret-0123456789', ...service, webhooks: [{ url: receiver.url, secret_env: 'REPLAY_HOOK_SECRET', events: ['account.disabled'] }] },
      { client_id: ops.id, client_name: 'Webhook desk', client_secret: ops.secret, ...service, admin_scopes: ['admin:webhooks'] },
      { client_id: orgDesk.id, client_name: 'Org desk', client_secret: orgDesk.secret, ...service, admin_scopes: ['admin:orgs'] },
    ],
  });
  db = portico.server.database.db;
});

afterAll(async () => {
  await portico?.stop();
  await receiver?.down();
});

const tokenOf = (client: { id: string; secret: string }, scope: string) => adminToken(portico.url, client, scope);

async function api(path: string, token: string, method = 'GET'): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${portico.url}/admin/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

const statusOf = async (id: string) => (await db.selectFrom('webhook_outbox').select(['status', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow());

/** An account.disabled event the receiver refused until it was dead-lettered. */
async function deadEvent(): Promise<string> {
  receiver.mode = 'fail';
  const user = await portico.createUser();
  expect(await operatorAction(db, (await findAccountById(db, user.id))!, 'disable', 'help-desk')).toBe(true);
  const { id } = await db.selectFrom('webhook_outbox').select('id').where('subject', '=', user.id).executeTakeFirstOrThrow();
  await waitUntil(`event ${id} to be dead`, async () => (await statusOf(id)).status === 'dead');
  expect(receiver.ofEvent(id).map((d) => d.answer)).toEqual([500, 500]);
  return id;
}

const replays = (eventId: string) =>
  db.selectFrom('audit_events').select(['actor', 'client_id']).where('action', '=', 'operator.webhook_replay').where(({ eb, ref }) => eb(ref('details', '->>').key('event_id' as never), '=', eventId)).execute();

/** Once replayed and drained: the receiver accepted it exactly once, with a valid signature. */
async function deliveredOnceMore(id: string): Promise<void> {
  await waitUntil(`event ${id} to be delivered again`, async () => (await statusOf(id)).status === 'delivered');
  await portico.server.webhooks.drain();
  expect(receiver.ofEvent(id).filter((d) => d.answer === 200).map((d) => d.validSignature)).toEqual([true]);
}

describe('replaying dead webhook events', () => {
  it('lists dead events and replays one over the admin API: delivered once, signed, audited with the client; a second replay is a 409', async () => {
    const id = await deadEvent();
    const token = await tokenOf(ops, 'admin:webhooks');
    const dead = await api('/webhooks?status=dead', token);
    expect(dead.status).toBe(200);
    expect(dead.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id, type: 'account.disabled', status: 'dead', attempts: 2, last_error: expect.stringContaining('HTTP 500') })]));
    expect(dead.text).not.toContain(SECRET);

    const elsewhere = await tokenOf(orgDesk, 'admin:orgs');
    expect((await api('/webhooks?status=dead', elsewhere)).status).toBe(403);
    expect((await api(`/webhooks/${id}/replay`, elsewhere, 'POST')).status).toBe(403);
    expect((await statusOf(id)).status).toBe('dead');

    receiver.mode = 'ok';
    expect(await api(`/webhooks/${id}/replay`, token, 'POST')).toMatchObject({ status: 200, body: { id, status: 'pending' } });
    await deliveredOnceMore(id);
    expect(await statusOf(id)).toEqual({ status: 'delivered', attempts: 1 });
    expect(await replays(id)).toEqual([{ actor: `client:${ops.id}`, client_id: ops.id }]);

    expect(await api(`/webhooks/${id}/replay`, token, 'POST')).toMatchObject({ status: 409, body: { type: 'urn:portico:admin-api:problem:not-dead' } });
    expect((await api('/webhooks/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/replay', token, 'POST')).status).toBe(404);
    expect((await api('/webhooks?cursor=forged', token)).body).toMatchObject({ type: 'urn:portico:admin-api:problem:invalid-request' });
    expect(await replays(id)).toHaveLength(1);
  });

  it('lists and replays every dead event from the CLI, audited with the operator, printing no secret or signature', async () => {
    const first = await deadEvent();
    const second = await deadEvent();
    const listed = await runCli(portico, db, 'webhooks', 'list', '--dead');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${first}\tdead\taccount.disabled`);
    expect(listed.out).toContain(`${second}\tdead\taccount.disabled`);
    expect(listed.out).not.toContain(SECRET);
    expect(listed.out).not.toMatch(/sha256|signature/i);

    receiver.mode = 'ok';
    const replayed = await runCli(portico, db, 'webhooks', 'replay', '--all-dead');
    expect(replayed).toMatchObject({ code: 0, out: 'replayed 2 events' });
    await deliveredOnceMore(first);
    await deliveredOnceMore(second);
    expect(await replays(second)).toEqual([{ actor: 'operator:desk-ann', client_id: null }]);
    expect((await runCli(portico, db, 'webhooks', 'list', '--dead')).out).toBe('no dead webhook events');
    expect(await runCli(portico, db, 'webhooks', 'replay', first)).toMatchObject({ code: 1, err: 'the event is delivered, not dead: only dead events are replayed' });
    expect((await runCli(portico, db, 'webhooks', 'replay')).code).toBe(2);
  });
});
