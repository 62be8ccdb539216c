import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { withAccountClient } from '../../src/config/account-client.js';
import { organizationTypesProblem, parseClients } from '../../src/config/clients.js';
import { resolveClientSecrets } from '../../src/config/client-secrets.js';
import type { Config } from '../../src/config/index.js';
import { parseEnv } from '../../src/config/env.js';
import { redisTarget } from '../../src/config/redis-target.js';
import { parsePolicy } from '../../src/config/policy.js';

/** What the server and `clients check` do before using the clients: read the secrets. */
const resolved = (clients: ReturnType<typeof parseClients>) => resolveClientSecrets({ clientsFile: 'c.json', production: false, clients } as Config).clients;

const good = { client_id: 'bill', client_name: 'Bill Tracker', client_secret: '0123456789abcdef0123', redirect_uris: ['https://bill.example/cb'] };

function clientsError(json: unknown): string {
  try {
    parseClients('config/clients.json', JSON.stringify(json), {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('clients file', () => {
  it('splits Portico settings from OIDC metadata', () => {
    const parsed = parseClients('c.json', JSON.stringify({ clients: [{ ...good, first_party: true, legacy_link: { system: 'trucase', display_name: 'TruCase' } }] }), {});
    expect(parsed.metadata[0]).not.toHaveProperty('first_party');
    expect(parsed.metadata[0]).not.toHaveProperty('legacy_link');
    expect(parsed.settings.get('bill')).toEqual({
      clientName: 'Bill Tracker',
      firstParty: true,
      requireSecondStep: false,
      legacyLink: { system: 'trucase', displayName: 'TruCase', claim: 'trucase_subject' },
    });
  });

  it('names the file, the client and the field in one line', () => {
    const message = clientsError({ clients: [good, { ...good, client_id: 'claims', client_name: '' }] });
    expect(message).toBe('config/clients.json: client "claims": client_name: Too small: expected string to have >=1 characters');
    expect(message).not.toContain('\n');
  });

  it('takes minimum_acr as one of the assurance levels, and names an unknown one in one line', () => {
    const parsed = parseClients('c.json', JSON.stringify({ clients: [{ ...good, minimum_acr: 'urn:portico:acr:otp' }] }), {});
    expect(parsed.settings.get('bill')).toMatchObject({ minimumAcr: 'urn:portico:acr:otp' });
    expect(parsed.metadata[0]).not.toHaveProperty('minimum_acr');
    const message = clientsError({ clients: [{ ...good, minimum_acr: 'urn:portico:acr:totp' }] });
    expect(message).toBe('config/clients.json: client "bill": minimum_acr: unknown level "urn:portico:acr:totp" (known: urn:portico:acr:trusted-device, urn:portico:acr:second-step, urn:portico:acr:otp, urn:portico:acr:phishing-resistant)');
    expect(clientsError({ clients: [{ ...good, minimum_acr: 2 }] })).toMatch(/^config\/clients\.json: client "bill": minimum_acr: /);
  });

  it('names the entry by position when it has no client_id', () => {
    expect(clientsError({ clients: [good, { client_name: 'x' }] })).toMatch(/^config\/clients\.json: clients\[1\]: client_id: /);
  });

  it('refuses a duplicate client_id', () => {
    expect(clientsError({ clients: [good, good] })).toBe('config/clients.json: client "bill": client_id: used by another client');
  });

  it('adds the account pages\' own client, whose id no portal may take', () => {
    const withBuiltIn = withAccountClient(parseClients('c.json', JSON.stringify({ clients: [good] }), {}), 'https://id.example', 'c.json');
    expect(withBuiltIn.metadata.map((m) => m.client_id)).toEqual(['bill', 'portico-account']);
    expect(withBuiltIn.metadata[1]).toMatchObject({ redirect_uris: ['https://id.example/account/callback'], token_endpoint_auth_method: 'none' });
    const taken = parseClients('c.json', JSON.stringify({ clients: [{ ...good, client_id: 'portico-account' }] }), {});
    expect(() => withAccountClient(taken, 'https://id.example', 'c.json')).toThrow('c.json: client "portico-account": client_id: reserved for Portico\'s account pages');
  });

  it('reads a legacy verifier\'s secret from the environment, and names the variable when it is missing', () => {
    const verifier = { type: 'http', url: 'https://legacy.example/verify', secret_env: 'TRUCASE_VERIFIER_SECRET' };
    const json = JSON.stringify({ clients: [{ ...good, legacy_link: { system: 'trucase', display_name: 'TruCase', verifier } }] });
    expect(resolved(parseClients('c.json', json, { TRUCASE_VERIFIER_SECRET: 's3cret' })).settings.get('bill')!.legacyLink).toEqual({
      system: 'trucase',
      displayName: 'TruCase',
      claim: 'trucase_subject',
      verifier: { url: 'https://legacy.example/verify', secretEnv: 'TRUCASE_VERIFIER_SECRET', secret: 's3cret', timeoutMs: 5000 },
    });
    // Parsing alone reads no secret: commands that do not need one work without it.
    const unread = parseClients('c.json', json, {});
    expect(() => resolved(unread)).toThrow('c.json: client "bill": legacy_link.verifier.secret_env: TRUCASE_VERIFIER_SECRET is not set');
  });

  it('refuses invalid JSON and unknown top-level keys', () => {
    expect(() => parseClients('c.json', '{nope', {})).toThrow(/^c\.json: not valid JSON/);
    expect(clientsError({ clients: [], extra: 1 })).toMatch(/^config\/clients\.json: Unrecognized key/);
  });

  it('reads a secret from the environment variable it names', () => {
    const parsed = parseClients('c.json', JSON.stringify({ clients: [{ ...good, client_secret: undefined, client_secret_env: 'BILL_SECRET' }] }), { BILL_SECRET: 's'.repeat(32) });
    expect(parsed.metadata[0]!.client_secret).toBeUndefined();
    expect(resolved(parsed).metadata[0]!.client_secret).toBe('s'.repeat(32));
    expect(() => resolved(parseClients('c.json', JSON.stringify({ clients: [{ ...good, client_secret: undefined, client_secret_env: 'MISSING_SECRET' }] }), {}))).toThrow(
      'c.json: client "bill": client_secret_env: MISSING_SECRET is not set',
    );
  });
});

describe('organization_types', () => {
  const types = parsePolicy('p.json', {}).account_types;
  it('keeps the kinds out of the metadata and in the client settings', () => {
    const parsed = parseClients('c.json', JSON.stringify({ clients: [{ ...good, organization_types: ['employer', 'employer'] }] }), {});
    expect(parsed.metadata[0]).not.toHaveProperty('organization_types');
    expect(parsed.settings.get('bill')).toMatchObject({ organizationTypes: ['employer'] });
    expect(organizationTypesProblem('c.json', parsed, types)).toBeUndefined();
    expect(parseClients('c.json', JSON.stringify({ clients: [good] }), {}).settings.get('bill')).not.toHaveProperty('organizationTypes');
  });

  it('names file, client and field in one line for a malformed list or a type the policy does not declare', () => {
    expect(clientsError({ clients: [{ ...good, organization_types: [] }] })).toMatch(/^config\/clients\.json: client "bill": organization_types: Too small/);
    expect(clientsError({ clients: [{ ...good, organization_types: 'employer' }] })).toMatch(/^config\/clients\.json: client "bill": organization_types: /);
    expect(clientsError({ clients: [{ ...good, organization_types: ['Employer'] }] })).toMatch(/^config\/clients\.json: client "bill": organization_types\[0\]: must be lowercase/);
    const parsed = parseClients('config/clients.json', JSON.stringify({ clients: [good, { ...good, client_id: 'hr', organization_types: ['employer', 'dentist'] }] }), {});
    expect(organizationTypesProblem('config/clients.json', parsed, types)).toBe('config/clients.json: client "hr": organization_types: unknown account type "dentist" (declared in account_types: member, provider, employer, broker)');
  });
});

describe('admin clients', () => {
  const ops = { client_id: 'ops', client_name: 'Ops tool', client_secret: '0123456789abcdef0123', grant_types: ['client_credentials'], admin_scopes: ['admin:users:read'] };

  it('keeps admin_scopes out of the metadata and in the client settings', () => {
    const parsed = parseClients('c.json', JSON.stringify({ clients: [ops] }), {});
    expect(parsed.metadata[0]).not.toHaveProperty('admin_scopes');
    expect(parsed.settings.get('ops')?.adminScopes).toEqual(['admin:users:read']);
  });

  it('refuses an admin client without client_credentials, or without a secret, in one line', () => {
    expect(clientsError({ clients: [{ ...ops, grant_types: ['authorization_code'] }] })).toBe('config/clients.json: client "ops": grant_types: an admin client must have exactly ["client_credentials"]');
    expect(clientsError({ clients: [{ ...ops, grant_types: undefined }] })).toBe('config/clients.json: client "ops": grant_types: an admin client must have exactly ["client_credentials"]');
    expect(clientsError({ clients: [{ ...ops, client_secret: undefined }] })).toBe('config/clients.json: client "ops": admin_scopes: an admin client needs client_secret or client_secret_env');
    expect(clientsError({ clients: [{ ...ops, token_endpoint_auth_method: 'none' }] })).toMatch(/^config\/clients\.json: client "ops": token_endpoint_auth_method: /);
  });

  it('refuses unknown admin scopes, and admin scopes given to another client by `scope`', () => {
    expect(clientsError({ clients: [{ ...ops, admin_scopes: ['admin:everything'] }] })).toMatch(/^config\/clients\.json: client "ops": admin_scopes\[0\]: /);
    expect(clientsError({ clients: [{ ...good, scope: 'openid admin:users:write' }] })).toBe('config/clients.json: client "bill": scope: "admin:users:write" is an admin scope: give it with admin_scopes');
  });
});

describe('environment', () => {
  it('applies docs/architecture.md defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.CLIENTS_FILE).toBe('config/clients.json');
    expect(env.TRUST_PROXY).toBe(false);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => parseEnv({ PORT: 'eighty' })).toThrow(/^environment: PORT: /);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/^environment: DATABASE_URL: must be a URL/);
    expect(() => parseEnv({ TRUST_PROXY: 'maybe' })).toThrow('environment: TRUST_PROXY: must be true or false');
  });

  it('requires COOKIE_SECRETS in production, newest first', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow('environment: COOKIE_SECRETS: required when NODE_ENV=production');
    const env = parseEnv({ NODE_ENV: 'production', COOKIE_SECRETS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`, KEYS_ENCRYPTION_KEY: 'k'.repeat(43) });
    expect(env.COOKIE_SECRETS).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(() => parseEnv({ COOKIE_SECRETS: 'short' })).toThrow(/COOKIE_SECRETS: each secret must be at least 32 characters/);
  });

  it('leaves KEYS_ENCRYPTION_KEY to where a sealed value is opened, and refuses a malformed one anywhere', () => {
    // Required in production, but only by what opens sealed values (the server, `keys rotate`):
    // `clients check` and `--help` must run in an operator's shell without it.
    expect(() => parseEnv({ NODE_ENV: 'production', COOKIE_SECRETS: 'a'.repeat(32) })).not.toThrow();
    expect(() => parseEnv({ KEYS_ENCRYPTION_KEY: 'too-short' })).toThrow('environment: KEYS_ENCRYPTION_KEY: must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)');
    expect(() => parseEnv({ KEYS_ENCRYPTION_KEY_PREVIOUS: 'f'.repeat(63) })).toThrow(/KEYS_ENCRYPTION_KEY_PREVIOUS: must be 32 random bytes/);
    expect(parseEnv({ KEYS_ENCRYPTION_KEY: 'ab'.repeat(32) }).KEYS_ENCRYPTION_KEY).toBe('ab'.repeat(32));
  });

  it('takes TRUST_PROXY_HOPS from 1 to 10, default 1', () => {
    expect(parseEnv({}).TRUST_PROXY_HOPS).toBe(1);
    expect(parseEnv({ TRUST_PROXY_HOPS: '2' }).TRUST_PROXY_HOPS).toBe(2);
    expect(() => parseEnv({ TRUST_PROXY_HOPS: '0' })).toThrow('environment: TRUST_PROXY_HOPS: must be a whole number from 1 to 10');
  });

  it('reaches Redis one way: a URL, a cluster, or Sentinels with the primary they watch', () => {
    expect(redisTarget(parseEnv({}))).toBeUndefined();
    expect(redisTarget(parseEnv({ REDIS_URL: 'redis://r:6379' }))).toEqual({ kind: 'url', url: 'redis://r:6379' });
    expect(redisTarget(parseEnv({ REDIS_CLUSTER_NODES: 'a:7000, [::1]:7001', REDIS_PASSWORD: 'pw' }))).toEqual({
      kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: '::1', port: 7001 }], password: 'pw',
    });
    expect(redisTarget(parseEnv({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'portico', REDIS_SENTINEL_PASSWORD: 'spw' }))).toEqual({
      kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'portico', password: undefined, sentinelPassword: 'spw',
    });
    expect(() => parseEnv({ REDIS_URL: 'redis://r', REDIS_CLUSTER_NODES: 'a:1' })).toThrow('environment: REDIS_URL and REDIS_CLUSTER_NODES: set only one way to reach Redis');
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: 'a:1,b' })).toThrow('environment: REDIS_CLUSTER_NODES: "b" is not host:port');
    expect(() => parseEnv({ REDIS_CLUSTER_NODES: 'a:70000' })).toThrow('environment: REDIS_CLUSTER_NODES: "a:70000" is not host:port');
    expect(() => parseEnv({ REDIS_SENTINELS: 's:26379' })).toThrow(/^environment: REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/);
    expect(() => parseEnv({ REDIS_SENTINEL_NAME: 'portico' })).toThrow('environment: REDIS_SENTINEL_NAME: only with REDIS_SENTINELS');
    expect(() => parseEnv({ REDIS_URL: 'redis://r', REDIS_PASSWORD: 'pw' })).toThrow(/^environment: REDIS_PASSWORD: only with REDIS_CLUSTER_NODES or REDIS_SENTINELS/);
  });
});

describe('policy file', () => {
  it('defaults to the OWASP argon2id minimum', () => {
    expect(parsePolicy('p.json', {}).argon2).toEqual({ memory_kib: 19456, time_cost: 2, parallelism: 1 });
  });

  it('names the field that is wrong', () => {
    expect(() => parsePolicy('config/policy.json', { argon2: { time_cost: 0 } })).toThrow(/^config\/policy\.json: argon2\.time_cost: /);
  });

  it('locks after 5 wrong passwords, sets of answers or authenticator-app codes, each from 1 to 100', () => {
    expect(parsePolicy('p.json', {}).lockout).toMatchObject({ max_failed_passwords: 5, max_failed_answers: 5, max_failed_codes: 5 });
    expect(parsePolicy('p.json', { lockout: { max_failed_codes: 3 } }).lockout.max_failed_codes).toBe(3);
    for (const wrong of [0, 101, 2.5]) expect(() => parsePolicy('p.json', { lockout: { max_failed_codes: wrong } })).toThrow(/lockout\.max_failed_codes/);
  });

  it('declares member, provider, employer and broker; only members register themselves and recover on their own', () => {
    const types = parsePolicy('p.json', {}).account_types;
    expect(types.map((t) => [t.id, t.self_registration, t.needs_organization, t.recovery])).toEqual([
      ['member', true, false, 'self_service'],
      ['provider', false, true, 'help_desk'],
      ['employer', false, true, 'help_desk'],
      ['broker', false, false, 'help_desk'],
    ]);
  });

  it('refuses a type the account_types section does not declare, where types are named', () => {
    expect(() => parsePolicy('p.json', { lockout: { unlock_by_account_type: { dentist: 'help_desk' } } })).toThrow(
      'p.json: lockout.unlock_by_account_type.dentist: unknown account type "dentist" (declared in account_types: member, provider, employer, broker)',
    );
    expect(() => parsePolicy('p.json', { second_step: { account_types: { dentist: { methods: ['email_code'] } } } })).toThrow(/^p\.json: second_step\.account_types\.dentist: unknown account type "dentist"/);
    const own = [{ id: 'member', label: { en: 'Member' }, self_registration: true }, { id: 'dentist', label: { en: 'Dentist' } }];
    expect(parsePolicy('p.json', { account_types: own, lockout: { unlock_by_account_type: { dentist: 'help_desk' } } }).lockout.unlock_by_account_type).toEqual({ dentist: 'help_desk' });
  });

  it('names the entry and field of a wrong type', () => {
    const member = { id: 'member', label: { en: 'Member' }, self_registration: true };
    const policy = (second: unknown) => ({ account_types: [member, second] });
    expect(() => parsePolicy('p.json', policy({ id: 'dentist', label: { en: 'Dentist', fr: 'Dentiste' } }))).toThrow(/^p\.json: account_types\[1\]\.label: Unrecognized key: "fr"$/);
    expect(() => parsePolicy('p.json', policy({ id: 'dentist', label: 'Dentist' }))).toThrow(/^p\.json: account_types\[1\]\.label: /);
    expect(() => parsePolicy('p.json', policy({ id: 'dentist', label: { es: 'Dentista' } }))).toThrow(/^p\.json: account_types\[1\]\.label\.en: /);
    expect(() => parsePolicy('p.json', policy({ id: 'member', label: { en: 'Again' } }))).toThrow('p.json: account_types[1].id: "member" is declared twice');
    // A self-registered type may need an organisation: it asks for one once its address is verified.
    expect(parsePolicy('p.json', policy({ id: 'clinic', label: { en: 'Clinic' }, self_registration: true, needs_organization: true })).account_types[1]).toMatchObject({ self_registration: true, needs_organization: true });
    expect(() => parsePolicy('p.json', { account_types: [{ id: 'dentist', label: { en: 'Dentist' }, self_registration: true }] })).toThrow('p.json: account_types: must declare "member", the type of IDs created without one');
  });
});
