import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { hashModelId } from '../../src/oidc/adapters/sql.js';
import { loadSigningJwks } from '../../src/oidc/keys.js';
import { readSecretSetting } from '../../src/storage/instance-settings.js';
import { openSealedFrom } from '../../src/storage/secret-box.js';
import { runPortico } from '../support/cli.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * A copy of the database (a backup, a dump, a stolen disk) must not give away what signs
 * tokens or what a session or token is: private signing keys, the code HMAC key and the
 * development cookie secret are sealed with KEYS_ENCRYPTION_KEY, and oidc_models rows are
 * keyed by hashes of the tokens with sealed payloads. Read here straight from the tables.
 */

const work = mkdtempSync(path.join(tmpdir(), 'portico-secrets-'));
const dataDir = path.join(work, 'data');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const newKey = randomBytes(32).toString('base64');

/** Every row of the tables that hold secrets, as the text a dump would show. */
async function dump(portico: TestPortico): Promise<{ text: string; settings: Record<string, string>; jwks: Record<string, unknown>[] }> {
  const db = portico.server.database.db;
  const [keys, settings, models] = await Promise.all([
    db.selectFrom('signing_keys').selectAll().execute(),
    db.selectFrom('instance_settings').selectAll().execute(),
    db.selectFrom('oidc_models').selectAll().execute(),
  ]);
  return {
    text: JSON.stringify([keys, settings, models]),
    settings: Object.fromEntries(settings.map((row) => [row.key, row.value])),
    jwks: keys.map((row) => (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as Record<string, unknown>),
  };
}

/** A portal's whole sign-in: returns the values a thief would want (tokens, code, cookies). */
async function signIn(portico: TestPortico, user: { username: string; password: string }) {
  const rp = await RelyingParty.discover(portico.url);
  const { tokens, callback } = await rp.signIn(user.username, user.password);
  const values = [tokens.access_token, tokens.refresh_token!, new URL(callback).searchParams.get('code')!, ...[...rp.browser.cookies.values()].filter((v) => v.length >= 20)];
  return { rp, tokens, values };
}

function portico(args: string[], env: Record<string, string>) {
  const clientsFile = path.join(work, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({ clients: [] }));
  const base = { ...process.env, DATA_DIR: dataDir, CLIENTS_FILE: clientsFile, LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '', KEYS_ENCRYPTION_KEY: '', KEYS_ENCRYPTION_KEY_PREVIOUS: '' };
  return runPortico(args, { env: { ...base, ...env }, timeoutMs: 120_000 });
}

describe('secrets at rest', () => {
  let port: number;
  let refreshToken: string;
  let user: { username: string; password: string };

  it('keeps no private key member and no token, code or session id readable in the tables', async () => {
    // No KEYS_ENCRYPTION_KEY, as in development: a key is generated in DATA_DIR, for the owner only.
    const first = await startPortico({ dataDir, keepDatabase: true, redisUrl: null });
    port = Number(new URL(first.url).port);
    try {
      user = await first.createUser();
      const { values, tokens } = await signIn(first, user);
      refreshToken = tokens.refresh_token!;
      const { text, settings, jwks } = await dump(first);
      expect(jwks).toHaveLength(2);
      for (const jwk of jwks) {
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(member);
      }
      expect(text).not.toMatch(/"d":/);
      for (const value of values) expect(text).not.toContain(value);
      for (const name of ['code_hmac_key', 'cookie_secret']) expect(settings[name]).toMatch(/^v1\.[0-9a-f]{12}\./);
      expect(statSync(path.join(dataDir, 'keys-encryption.key')).mode & 0o777).toBe(0o600);
    } finally {
      await first.stop();
    }
  });

  it('signs and verifies after a restart, and takes a refresh token issued before it', async () => {
    const again = await startPortico({ dataDir, port, keepDatabase: true, redisUrl: null });
    try {
      const refreshed = await oidc.refreshTokenGrant((await RelyingParty.discover(again.url)).config, refreshToken);
      refreshToken = refreshed.refresh_token ?? refreshToken;
      // openid-client verifies the ID token's signature against /jwks (enableNonRepudiationChecks).
      const { tokens } = await signIn(again, user);
      expect(tokens.claims()!.sub).toEqual(expect.any(String));
    } finally {
      await again.stop();
    }
  });

  it('rotates to KEYS_ENCRYPTION_KEY with portico keys rotate-encryption; the old key is then not needed', async () => {
    const rotated = await portico(['keys', 'rotate-encryption'], { KEYS_ENCRYPTION_KEY: newKey });
    expect(rotated.err).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^resealed 2 signing keys, 2 settings and [1-9]\d* protocol records with key [0-9a-f]{12}\n/);
    expect((await portico(['keys', 'rotate-encryption'], { KEYS_ENCRYPTION_KEY: newKey })).out).toMatch(/^resealed 0 signing keys, 0 settings and 0 protocol records/);
    // The development key is gone: everything must open with the new key alone.
    unlinkSync(path.join(dataDir, 'keys-encryption.key'));
    const after = await startPortico({ dataDir, port, keepDatabase: true, redisUrl: null, env: { KEYS_ENCRYPTION_KEY: newKey } });
    try {
      await oidc.refreshTokenGrant((await RelyingParty.discover(after.url)).config, refreshToken);
      const { values } = await signIn(after, user);
      const { text } = await dump(after);
      for (const value of values) expect(text).not.toContain(value);
    } finally {
      await after.stop();
    }
    expect(existsSync(path.join(dataDir, 'keys-encryption.key'))).toBe(false);
  });

  it('refuses to start with a key that did not seal the data, naming the missing key', async () => {
    const wrong = randomBytes(32).toString('hex');
    await expect(startPortico({ dataDir, port, keepDatabase: true, redisUrl: null, env: { KEYS_ENCRYPTION_KEY: wrong } })).rejects.toThrow(/sealed with a keys-encryption key this process was not given/);
  });

  it('refuses production without KEYS_ENCRYPTION_KEY, in one line, where a key is needed', async () => {
    const run = await portico(['keys', 'rotate'], { NODE_ENV: 'production', COOKIE_SECRETS: 'x'.repeat(32) });
    expect(run).toEqual({ code: 1, out: '', err: 'portico: environment: KEYS_ENCRYPTION_KEY: required when NODE_ENV=production (openssl rand -base64 32)\n' });
  });

  it('seals what an installation from before stored in clear at its first start-up, and keeps its sessions and tokens', async () => {
    const oldDir = path.join(work, 'old');
    const old = await startPortico({ dataDir: oldDir, keepDatabase: true, redisUrl: null, env: { KEYS_ENCRYPTION_KEY: newKey } });
    const oldPort = Number(new URL(old.url).port);
    let refresh: string;
    try {
      const someone = await old.createUser();
      refresh = (await signIn(old, someone)).tokens.refresh_token!;
      // Back to the rows an earlier version wrote: private JWKs, settings and token rows in clear,
      // migration 0015 not yet run (other protocol rows dropped: their clear ids are not known here).
      const db = old.server.database.db;
      for (const jwk of (await loadSigningJwks(db)).keys) await db.updateTable('signing_keys').set({ private_jwk: JSON.stringify(jwk) }).where('kid', '=', jwk.kid).execute();
      for (const key of ['code_hmac_key', 'cookie_secret']) await db.updateTable('instance_settings').set({ value: (await readSecretSetting(db, key))! }).where('key', '=', key).execute();
      const clearRow = async (model: string, id: string) => {
        const row = await db.selectFrom('oidc_models').select('payload').where('model', '=', model).where('id', '=', hashModelId(id)).executeTakeFirstOrThrow();
        const payload = JSON.parse(await openSealedFrom(db, (row.payload as { sealed: string }).sealed, `oidc_models:${model}:${hashModelId(id)}`)) as { grantId?: string };
        await db.updateTable('oidc_models').set({ id, payload: JSON.stringify(payload) }).where('model', '=', model).where('id', '=', hashModelId(id)).execute();
        return payload;
      };
      const { grantId } = await clearRow('RefreshToken', refresh);
      await clearRow('Grant', grantId!);
      await db.deleteFrom('oidc_models').where('model', 'not in', ['RefreshToken', 'Grant']).execute();
      // 0015 and every later migration, as Kysely runs them in order (later ones re-run harmlessly).
      await db.deleteFrom('portico_migrations' as never).where(sql.ref('name'), '>=', '0015_hash_model_ids').execute();
      expect((await dump(old)).text).toContain(refresh);
    } finally {
      await old.stop();
    }
    for (let start = 0; start < 2; start++) {
      const upgraded = await startPortico({ dataDir: oldDir, port: oldPort, keepDatabase: true, redisUrl: null, env: { KEYS_ENCRYPTION_KEY: newKey } });
      try {
        const { text, settings, jwks } = await dump(upgraded);
        expect(text).not.toMatch(/"d":/);
        expect(text).not.toContain(refresh);
        expect(jwks.every((jwk) => typeof jwk.sealed === 'string')).toBe(true);
        for (const name of ['code_hmac_key', 'cookie_secret']) expect(settings[name]).toMatch(/^v1\.[0-9a-f]{12}\./);
        const refreshed = await oidc.refreshTokenGrant((await RelyingParty.discover(upgraded.url)).config, refresh);
        refresh = refreshed.refresh_token ?? refresh;
      } finally {
        await upgraded.stop();
      }
    }
  });
});
