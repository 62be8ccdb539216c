import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKeys, listSigningKeys, loadSigningJwks, rotateSigningKeys } from '../../src/oidc/keys.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';

describe('signing keys', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({ dataDir: 'memory://' });
    await migrateToLatest(handle.db);
  });
  afterAll(() => handle.close());

  it('creates one current RS256 and one current ES256 key, once, even when asked concurrently', async () => {
    await Promise.all([ensureSigningKeys(handle.db), ensureSigningKeys(handle.db)]);
    await ensureSigningKeys(handle.db);
    const keys = await listSigningKeys(handle.db);
    expect(keys.map((k) => `${k.alg}:${k.status}`).sort()).toEqual(['ES256:current', 'RS256:current']);
    const { keys: jwks } = await loadSigningJwks(handle.db);
    for (const jwk of jwks) {
      expect(jwk.d).toBeDefined();
      expect(jwk.use).toBe('sig');
      expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('rotation puts a new key first and keeps the old one until it expires', async () => {
    const before = await loadSigningJwks(handle.db);
    const oldRsa = before.keys.find((k) => k.alg === 'RS256')!.kid;
    const [rsa] = await rotateSigningKeys(handle.db, { retireAfterSeconds: 3600 });
    expect(rsa!.retiredKid).toBe(oldRsa);
    const after = await loadSigningJwks(handle.db);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    const rsaKeys = after.keys.filter((k) => k.alg === 'RS256').map((k) => k.kid);
    expect(rsaKeys).toEqual([rsa!.newKid, oldRsa]);
    const statuses = await listSigningKeys(handle.db);
    expect(statuses.find((k) => k.kid === oldRsa)?.status).toBe('retired');
  });

  it('drops retired keys once their expiry has passed', async () => {
    const [rsa] = await rotateSigningKeys(handle.db, { retireAfterSeconds: 0 });
    const { keys } = await loadSigningJwks(handle.db);
    expect(keys.map((k) => k.kid)).not.toContain(rsa!.retiredKid);
    expect(keys.filter((k) => k.alg === 'RS256')[0]!.kid).toBe(rsa!.newKid);
  });
});
