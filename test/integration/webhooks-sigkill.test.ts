import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorAction } from '../../src/identity/account-admin.js';
import { insertAccount } from '../../src/identity/accounts.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { killablePortico, type KillablePortico, type PorticoProcess } from '../support/portico-process.js';
import { waitUntil } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * A Portico process killed (SIGKILL: no handler runs) after an ID was disabled and while the
 * event is on its way to the portal: after the restart the portal gets it, with the same event
 * id, and a receiver that drops duplicates acts on it exactly once. Portico runs as its own
 * process on its own PostgreSQL, as in kill-mid-write.test.ts.
 */

const SECRET = 'portal-hook-secret-0123456789abcdef';
let receiver: WebhookReceiver;
let killable: KillablePortico;
let database: DatabaseHandle;
let portico: PorticoProcess | undefined;

beforeAll(async () => {
  receiver = await WebhookReceiver.start(SECRET);
  killable = await killablePortico({
    clients: [{
      client_id: 'hooked-portal', client_name: 'Hooked', client_secret: 'hooked-portal-secret-0123456789', redirect_uris: [], response_types: [], grant_types: ['client_credentials'],
      webhooks: [{ url: receiver.url, secret_env: 'PORTAL_HOOK_SECRET', events: ['account.disabled'] }],
    }],
    // A claim lasts 2 × timeout + 1 s (5 s here): the restarted process takes the event over after that.
    policy: { webhooks: { timeout_seconds: 2, first_retry_seconds: 0.2, max_retry_minutes: 0.01, poll_interval_seconds: 0.1 } },
  }, { PORTAL_HOOK_SECRET: SECRET });
  database = killable.database;
});

afterAll(async () => {
  await killable?.close(portico);
  await receiver?.down();
});

const startProcess = () => killable.start();

describe('SIGKILL between a change and its webhook delivery', () => {
  it('delivers the event after the restart, once', async () => {
    portico = await startProcess();
    const account = await insertAccount(database.db, { username: 'kimkilled', email: 'kim.killed@example.com', givenName: 'Kim', familyName: 'Killed', passwordHash: 'unused', emailVerified: true });
    // The portal's endpoint holds the request: the process dies with the delivery in flight.
    receiver.mode = 'hang';
    expect(await operatorAction(database.db, account, 'disable', 'help-desk')).toBe(true);
    const row = await database.db.selectFrom('webhook_outbox').select('id').where('subject', '=', account.id).executeTakeFirstOrThrow();
    await waitUntil('the delivery to reach the portal', () => receiver.ofEvent(row.id).length === 1, { timeoutMs: 30_000 });
    const state = () => database.db.selectFrom('webhook_outbox').select(['status', 'attempts']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(await state()).toEqual({ status: 'sending', attempts: 1 });
    await portico.stop('SIGKILL');
    portico = undefined;

    receiver.mode = 'ok';
    portico = await startProcess();
    await waitUntil('the event to be delivered after the restart', async () => (await state()).status === 'delivered', { timeoutMs: 60_000 });
    // Nothing more comes: a few poll intervals go by.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const deliveries = receiver.ofEvent(row.id);
    expect(deliveries.map((d) => [d.answer, d.validSignature, d.event.type, d.event.sub])).toEqual([
      ['hung', true, 'account.disabled', account.id],
      [200, true, 'account.disabled', account.id],
    ]);
    expect(receiver.processed()).toEqual([row.id]);
    expect(await state()).toEqual({ status: 'delivered', attempts: 2 });
  });
});
