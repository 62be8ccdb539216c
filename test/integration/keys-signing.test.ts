import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureSigningKeys, listSigningKeys, loadSigningJwks, rotateSigningKeys } from '../../src/oidc/keys.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(handle.db);
});
afterAll(() => handle.close());
beforeEach(() => handle.db.deleteFrom('signing_keys').execute());

const statuses = async () => (await listSigningKeys(handle.db)).map((k) => `${k.alg}:${k.status}`).sort();
const firstKidFor = (keys: { kid: string; alg: string }[], alg: string) => keys.find((k) => k.alg === alg)?.kid;

describe('signing keys', () => {
  it('creates one current RS256 and one current ES256 key once, even when two processes start together', async () => {
    await Promise.all([ensureSigningKeys(handle.db), ensureSigningKeys(handle.db)]);
    await ensureSigningKeys(handle.db);
    expect(await statuses()).toEqual(['ES256:current', 'RS256:current']);
  });

  it('publishes private JWKs whose kid is the RFC 7638 thumbprint', async () => {
    await ensureSigningKeys(handle.db);
    const { keys } = await loadSigningJwks(handle.db);
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const jwk of keys) {
      expect(jwk).toMatchObject({ use: 'sig', d: expect.any(String) });
      expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk));
      expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    const rsa = keys.find((k) => k.alg === 'RS256')!;
    expect(Buffer.from(rsa.n!, 'base64url').length * 8).toBe(2048);
    expect(keys.find((k) => k.alg === 'ES256')).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it('rotation makes a new key current and first, and keeps the old one published as retired', async () => {
    await ensureSigningKeys(handle.db);
    const before = await loadSigningJwks(handle.db);
    const rotated = await rotateSigningKeys(handle.db, { retireAfterSeconds: 3600 });
    expect(rotated.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);
    const after = await loadSigningJwks(handle.db);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    for (const r of rotated) {
      expect(r.retiredKid).toBe(firstKidFor(before.keys, r.alg));
      expect(r.newKid).not.toBe(r.retiredKid);
      // oidc-provider signs with the first key of the algorithm.
      expect(firstKidFor(after.keys, r.alg)).toBe(r.newKid);
      expect(after.keys.map((k) => k.kid)).toContain(r.retiredKid);
    }
    const listed = await listSigningKeys(handle.db);
    const statusOf = (kid: string | undefined) => listed.find((k) => k.kid === kid)?.status;
    expect(rotated.map((r) => [statusOf(r.newKid), statusOf(r.retiredKid)])).toEqual([
      ['current', 'retired'],
      ['current', 'retired'],
    ]);
    // Current keys of every algorithm come before any retired key.
    const order = after.keys.map((k) => `${k.alg}:${statusOf(k.kid)}`);
    expect(order).toEqual(['RS256:current', 'ES256:current', 'RS256:retired', 'ES256:retired']);
    const expires = listed.find((k) => k.kid === rotated[0]!.retiredKid)!.expires_at!.getTime();
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000);
  });

  it('keeps the fingerprint while nothing changes', async () => {
    await ensureSigningKeys(handle.db);
    const a = await loadSigningJwks(handle.db);
    await ensureSigningKeys(handle.db);
    expect((await loadSigningJwks(handle.db)).fingerprint).toBe(a.fingerprint);
  });

  it('promotes a waiting next key, which was published after the current one', async () => {
    await ensureSigningKeys(handle.db);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    await handle.db
      .insertInto('signing_keys')
      .values({ kid, alg: 'ES256', status: 'next', private_jwk: JSON.stringify({ ...jwk, kid, alg: 'ES256', use: 'sig' }) })
      .execute();
    const before = await loadSigningJwks(handle.db);
    expect(before.keys.map((k) => k.kid).indexOf(kid)).toBe(2);
    const rotated = await rotateSigningKeys(handle.db, { retireAfterSeconds: 60 });
    expect(rotated.find((r) => r.alg === 'ES256')!.newKid).toBe(kid);
    expect(firstKidFor((await loadSigningJwks(handle.db)).keys, 'ES256')).toBe(kid);
  });

  it('drops retired keys once their time is up', async () => {
    await ensureSigningKeys(handle.db);
    const [first] = await rotateSigningKeys(handle.db, { retireAfterSeconds: 3600 });
    const [second] = await rotateSigningKeys(handle.db, { retireAfterSeconds: 0 });
    const kids = (await loadSigningJwks(handle.db)).keys.map((k) => k.kid);
    expect(kids).not.toContain(second!.retiredKid);
    expect(kids).toContain(first!.retiredKid);
    expect((await listSigningKeys(handle.db)).map((k) => k.kid)).not.toContain(second!.retiredKid);
    expect(firstKidFor((await loadSigningJwks(handle.db)).keys, 'RS256')).toBe(second!.newKid);
  });

  it('leaves exactly one current key per algorithm when two rotations race', async () => {
    await ensureSigningKeys(handle.db);
    await Promise.all([rotateSigningKeys(handle.db, { retireAfterSeconds: 600 }), rotateSigningKeys(handle.db, { retireAfterSeconds: 600 })]);
    expect(await statuses()).toEqual(['ES256:current', 'ES256:retired', 'ES256:retired', 'RS256:current', 'RS256:retired', 'RS256:retired']);
  });

  it('creates current keys on rotation when none exist yet', async () => {
    const rotated = await rotateSigningKeys(handle.db, { retireAfterSeconds: 600 });
    expect(rotated.every((r) => r.retiredKid === undefined)).toBe(true);
    expect(await statuses()).toEqual(['ES256:current', 'RS256:current']);
  });
});
