import { describe, expect, it } from 'vitest';
import { parseClients } from '../../src/config/clients.js';
import { resolveClientSecrets } from '../../src/config/client-secrets.js';
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/config/errors.js';
import { eventBody, webhookTargets } from '../../src/notify/webhooks.js';
import { signWebhook, verifyWebhook } from '../../src/notify/webhook-signature.js';

const good = { client_id: 'bill', client_name: 'Bill Tracker', client_secret_env: 'BILL_SECRET', redirect_uris: ['https://bill.example/cb'] };
const hook = { url: 'https://bill.example/hooks', secret_env: 'BILL_HOOK_SECRET', events: ['account.disabled', 'account.deleted'] };
const env = { BILL_SECRET: 'b'.repeat(32), BILL_HOOK_SECRET: 'h'.repeat(32) };

function load(client: object, options: { production?: boolean; env?: Record<string, string> } = {}) {
  const clients = parseClients('c.json', JSON.stringify({ clients: [client] }), options.env ?? env);
  return resolveClientSecrets({ clientsFile: 'c.json', production: options.production ?? false, clients } as Config).clients;
}

function refusal(client: object, options?: Parameters<typeof load>[1]): string {
  try {
    load(client, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('webhooks in the clients file', () => {
  it('are Portico settings, never client metadata, and carry the secret read from the environment', () => {
    const clients = load({ ...good, webhooks: [hook] });
    expect(clients.metadata[0]).not.toHaveProperty('webhooks');
    expect(webhookTargets(clients)).toEqual([{ clientId: 'bill', url: hook.url, secret: env.BILL_HOOK_SECRET, events: hook.events }]);
  });

  it('refuse a bad entry in one line naming the file, the client and the field', () => {
    expect(refusal({ ...good, webhooks: [{ ...hook, events: ['account.exploded'] }] })).toMatch(/^c\.json: client "bill": webhooks\[0\]\.events\[0\]: /);
    expect(refusal({ ...good, webhooks: [{ ...hook, secret: 'inline-secret-0123456789' }] })).toMatch(/^c\.json: client "bill": webhooks\[0\]: Unrecognized key/);
    expect(refusal({ ...good, webhooks: [hook, { ...hook, secret_env: 'OTHER' }] })).toBe('c.json: client "bill": webhooks[1].url: given twice');
    expect(refusal({ ...good, webhooks: [{ ...hook, url: 'ftp://bill.example/x' }] })).toMatch(/^c\.json: client "bill": webhooks\[0\]\.url: /);
    expect(refusal({ ...good, webhooks: [hook] }, { env: { BILL_SECRET: env.BILL_SECRET } })).toBe('c.json: client "bill": webhooks[0].secret_env: BILL_HOOK_SECRET is not set');
    expect(refusal({ ...good, webhooks: [hook] }, { env: { ...env, BILL_HOOK_SECRET: 'short' } })).toBe('c.json: client "bill": webhooks[0].secret_env: the value of BILL_HOOK_SECRET must be at least 16 characters');
    expect(refusal({ ...good, webhooks: [{ ...hook, events: ['nope'] }] })).not.toContain('\n');
  });

  it('refuse plain http and dev-only secrets in production, as redirects and client secrets are', () => {
    const http = { ...hook, url: 'http://127.0.0.1:8080/hooks' };
    expect(load({ ...good, webhooks: [http] })).toBeTruthy();
    expect(refusal({ ...good, webhooks: [http] }, { production: true })).toBe('c.json: client "bill": webhooks[0].url: http://127.0.0.1:8080/hooks: a webhook needs https when NODE_ENV=production');
    expect(refusal({ ...good, webhooks: [hook] }, { production: true, env: { ...env, BILL_HOOK_SECRET: 'dev-only-hook-secret-0123' } })).toBe(
      'c.json: client "bill": webhooks[0].secret_env: the secret is marked dev-only; not allowed when NODE_ENV=production',
    );
  });
});

describe('a delivery', () => {
  it('carries the subject and event, no personal data, and a signature over timestamp and body', () => {
    const body = eventBody({ id: 'e1', event_type: 'account.disabled', created_at: new Date('2026-01-02T03:04:05Z'), subject: 'acc-1' }, 'https://id.example');
    expect(JSON.parse(body)).toEqual({ id: 'e1', type: 'account.disabled', occurred_at: '2026-01-02T03:04:05.000Z', iss: 'https://id.example', sub: 'acc-1' });
    const now = Date.now();
    const timestamp = Math.floor(now / 1000);
    const signature = signWebhook('k'.repeat(32), timestamp, body);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('k'.repeat(32), { signature, timestamp: String(timestamp) }, body, 300, now)).toBe(true);
    expect(verifyWebhook('x'.repeat(32), { signature, timestamp: String(timestamp) }, body, 300, now)).toBe(false);
    expect(verifyWebhook('k'.repeat(32), { signature, timestamp: String(timestamp) }, `${body} `, 300, now)).toBe(false);
    // An old delivery played again is refused even with its genuine signature.
    expect(verifyWebhook('k'.repeat(32), { signature, timestamp: String(timestamp) }, body, 300, now + 600_000)).toBe(false);
  });
});
