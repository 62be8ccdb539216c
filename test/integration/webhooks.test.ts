import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeAccountWithEvent, emitAccountEvent } from '../../src/identity/account-events.js';
import { operatorAction } from '../../src/identity/account-admin.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { lockIfExhausted, reenableQuery } from '../../src/identity/lockout.js';
import type { AccountChange } from '../../src/storage/account-changes.js';
import { inTransaction } from '../../src/identity/transaction.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { freePort } from '../support/servers.js';
import { waitUntil } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Events to portals: a receiver on 127.0.0.1 gets each event once with a valid signature; a
 * 500 or a receiver that is down only delays it; an endpoint that never answers gets it
 * dead-lettered. Retries are a fifth of a second apart here (the policy's knobs), not minutes.
 */

const SECRET = 'portal-hook-secret-0123456789abcdef';
const MAX_ATTEMPTS = 20;
let receiver: WebhookReceiver;
let portico: TestPortico;
let db: TestPortico['server']['database']['db'];

beforeAll(async () => {
  receiver = await WebhookReceiver.start(SECRET);
  const closed = await freePort();
  const service = { client_secret: 'hooked-portal-secret-0123456789', redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
  portico = await startPortico({
    env: { PORTAL_HOOK_SECRET: SECRET, BROKEN_HOOK_SECRET: 'broken-hook-secret-0123456789' },
    policy: { webhooks: { first_retry_seconds: 0.2, max_retry_minutes: 0.01, poll_interval_seconds: 0.1, timeout_seconds: 2, max_attempts: MAX_ATTEMPTS } },
    extraClients: [
      { client_id: 'hooked-portal', client_name: 'Hooked', ...service, webhooks: [{ url: receiver.url, secret_env: 'PORTAL_HOOK_SECRET', events: ['account.disabled', 'account.enabled'] }] },
      // Nothing listens there: its events end dead-lettered.
      { client_id: 'broken-portal', client_name: 'Broken', ...service, webhooks: [{ url: `http://127.0.0.1:${closed}/hooks`, secret_env: 'BROKEN_HOOK_SECRET', events: ['account.locked'] }] },
    ],
  });
  db = portico.server.database.db;
});

afterAll(async () => {
  await portico?.stop();
  await receiver?.down();
});

async function disable(): Promise<{ accountId: string; eventId: string }> {
  const user = await portico.createUser();
  expect(await operatorAction(db, (await findAccountById(db, user.id))!, 'disable', 'help-desk')).toBe(true);
  const row = await db.selectFrom('webhook_outbox').select('id').where('subject', '=', user.id).where('event_type', '=', 'account.disabled').executeTakeFirstOrThrow();
  return { accountId: user.id, eventId: row.id };
}

const statusOf = async (eventId: string) => db.selectFrom('webhook_outbox').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
const delivered = (eventId: string) => waitUntil(`event ${eventId} to be delivered`, async () => (await statusOf(eventId)).status === 'delivered');

describe('webhooks', () => {
  it('delivers each event once, signed, with the subject and nothing personal', async () => {
    const { accountId, eventId } = await disable();
    expect(await operatorAction(db, (await findAccountById(db, accountId))!, 'enable', 'help-desk')).toBe(true);
    // A change that changes nothing tells nobody.
    expect(await operatorAction(db, (await findAccountById(db, accountId))!, 'enable', 'help-desk')).toBe(false);
    await portico.server.webhooks.drain();
    const mine = receiver.deliveries.filter((d) => d.event.sub === accountId);
    expect(mine.map((d) => [d.event.type, d.answer, d.validSignature]).sort()).toEqual([
      ['account.disabled', 200, true],
      ['account.enabled', 200, true],
    ]);
    const disabled = mine.find((d) => d.event.type === 'account.disabled')!;
    expect(disabled.eventId).toBe(eventId);
    expect(disabled.event).toEqual({ id: eventId, type: 'account.disabled', sub: accountId, iss: portico.config.issuer, occurred_at: expect.any(String) });
    expect((await statusOf(eventId)).status).toBe('delivered');
    // Delivered is done: another round sends nothing again.
    await portico.server.webhooks.drain();
    expect(receiver.deliveries.filter((d) => d.event.sub === accountId)).toHaveLength(2);
  });

  it('queues an event with its change: a lock and an unlock each get theirs, a rolled-back change none', async () => {
    const user = await portico.createUser();
    const typesOf = async () => (await db.selectFrom('webhook_outbox').select('event_type').where('subject', '=', user.id).orderBy('created_at').execute()).map((r) => r.event_type);
    await db.updateTable('accounts').set({ failed_password_count: 5 }).where('id', '=', user.id).execute();
    expect(await lockIfExhausted(db, user.id, 'password', 5)).toBe(true);
    expect(await operatorAction(db, (await findAccountById(db, user.id))!, 'unlock', 'help-desk')).toBe(true);
    expect(await typesOf()).toEqual(['account.locked', 'account.unlocked']);
    await expect(inTransaction(db, async (trx) => {
      await emitAccountEvent(trx, 'account.password_changed', user.id);
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await typesOf()).toEqual(['account.locked', 'account.unlocked']);
  });

  it('writes an event and its audit row only with a change that happened, and the process hears of it at once', async () => {
    const user = await portico.createUser();
    const types = async () => (await db.selectFrom('webhook_outbox').select('event_type').where('subject', '=', user.id).execute()).map((r) => r.event_type);
    const audits = () => db.selectFrom('audit_events').select(['action', 'actor', 'ip', 'details']).where('account_id', '=', user.id).where('action', 'in', ['account.locked', 'account.unlocked']).execute();
    const heard: AccountChange[] = [];
    const unsubscribe = portico.server.database.accountChanges.subscribe((change) => heard.push(change));
    try {
      // One short of the limit, and an unlock of an ID that is not locked: nothing to tell.
      await db.updateTable('accounts').set({ failed_password_count: 4 }).where('id', '=', user.id).execute();
      expect(await lockIfExhausted(db, user.id, 'password', 5, { ip: '192.0.2.7' })).toBe(false);
      expect(await changeAccountWithEvent(db, reenableQuery(db, user.id), 'account.unlocked', { action: 'account.unlocked', actor: 'system' })).toBe(false);
      expect(await types()).toEqual([]);
      expect(await audits()).toEqual([]);
      heard.length = 0;
      await db.updateTable('accounts').set({ failed_password_count: 5 }).where('id', '=', user.id).execute();
      expect(await lockIfExhausted(db, user.id, 'password', 5, { ip: '192.0.2.7' })).toBe(true);
      expect(await types()).toEqual(['account.locked']);
      expect(await audits()).toEqual([{ action: 'account.locked', actor: 'system', ip: '192.0.2.7', details: { reason: 'failed_passwords' } }]);
      // The lock was written inside a WITH: this process's account cache is told all the same.
      expect(heard).toContainEqual(expect.objectContaining({ kind: 'written', columns: expect.arrayContaining(['status']) }));
      expect((await findAccountById(db, user.id))?.status).toBe('disabled');
    } finally {
      unsubscribe();
    }
  });

  it('retries an event its receiver answered 500 to, and delivers it once it answers 200', async () => {
    receiver.mode = 'fail';
    const { eventId } = await disable();
    await waitUntil('a first attempt', () => receiver.ofEvent(eventId).length > 0);
    receiver.mode = 'ok';
    await delivered(eventId);
    const answers = receiver.ofEvent(eventId).map((d) => d.answer);
    expect(answers[0]).toBe(500);
    expect(answers.filter((a) => a === 200)).toHaveLength(1);
    expect(receiver.ofEvent(eventId).every((d) => d.validSignature && d.eventId === eventId)).toBe(true);
    expect(await statusOf(eventId)).toMatchObject({ status: 'delivered', attempts: answers.length, last_error: null });
  });

  it('loses nothing while the receiver is down, and delivers everything once it is back', async () => {
    await receiver.down();
    const events = [await disable(), await disable(), await disable()];
    await waitUntil('each event to be tried at least twice', async () => {
      const rows = await Promise.all(events.map((e) => statusOf(e.eventId)));
      return rows.every((row) => row.attempts >= 2 && row.status !== 'delivered');
    });
    expect((await statusOf(events[0]!.eventId)).last_error).toMatch(/^hooked-portal http:\/\/127\.0\.0\.1:\d+\/hooks: ECONNREFUSED/);
    await receiver.up();
    for (const { eventId } of events) await delivered(eventId);
    for (const { eventId } of events) expect(receiver.ofEvent(eventId).map((d) => [d.answer, d.validSignature])).toEqual([[200, true]]);
  });

  it('dead-letters an event after the last attempt, and sends it no more', async () => {
    const user = await portico.createUser();
    await emitAccountEvent(db, 'account.locked', user.id);
    const row = await db.selectFrom('webhook_outbox').select('id').where('subject', '=', user.id).executeTakeFirstOrThrow();
    await waitUntil('a failed attempt', async () => (await statusOf(row.id)).last_error !== null);
    // The attempts before the last, at once rather than after minutes of backoff.
    await waitUntil('the event to wait for its retry', async () => {
      const updated = await db.updateTable('webhook_outbox').set({ attempts: MAX_ATTEMPTS - 1 }).where('id', '=', row.id).where('status', '=', 'pending').executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1;
    }, { intervalMs: 10 });
    await waitUntil('the event to be dead-lettered', async () => (await statusOf(row.id)).status === 'dead');
    expect(await statusOf(row.id)).toMatchObject({ attempts: MAX_ATTEMPTS, last_error: expect.stringMatching(/^broken-portal http:\/\/127\.0\.0\.1:\d+\/hooks: ECONNREFUSED/), locked_until: null });
    // Nothing of it reached the receiver, which does not take account.locked.
    expect(receiver.deliveries.filter((d) => d.event.sub === user.id)).toEqual([]);
  });
});
