import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import { isUniqueViolation } from '../identity/accounts.js';
import type { Db } from '../storage/database.js';
import { isSealed, openSealedFrom, secretBoxFor, type SecretBox } from '../storage/secret-box.js';

/** RS256 is the OIDC default ID token algorithm (Core §3.1.3.7); ES256 for portals that ask for it. */
export const signingAlgorithms = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof signingAlgorithms)[number];

/** A private JWK as oidc-provider's `jwks` option takes it. */
export type SigningJwk = JWK & { kid: string; alg: string; use: 'sig' };

export interface RotatedKey {
  alg: string;
  newKid: string;
  retiredKid?: string;
}

/** Any fixed number: serialises key changes across processes (pg_advisory_xact_lock). */
const KEY_CHANGE_LOCK = 7_638_001;

export async function generateSigningJwk(alg: SigningAlg): Promise<SigningJwk> {
  const options = alg === 'RS256' ? { extractable: true, modulusLength: 2048 } : { extractable: true };
  const { privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(privateKey);
  // RFC 7638 thumbprints make kids unique, which oidc-provider v9 requires.
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/** The private members of RSA and EC JWKs (RFC 7518 §6.3.2, §6.2.2): sealed at rest. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/** As stored: the public members in clear, the private ones in `sealed`, the kid as associated data. */
type StoredJwk = Record<string, unknown> & { kid: string; sealed?: string };

const aad = (kid: string) => `signing_keys:${kid}`;

export function sealJwk(box: SecretBox, jwk: Record<string, unknown> & { kid: string }): StoredJwk {
  const stored: StoredJwk = { kid: jwk.kid };
  const secret: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(jwk)) {
    if ((PRIVATE_MEMBERS as readonly string[]).includes(name)) secret[name] = value;
    else if (name !== 'sealed') stored[name] = value;
  }
  stored.sealed = box.seal(JSON.stringify(secret), aad(jwk.kid));
  return stored;
}

async function openJwk(db: Db, stored: StoredJwk): Promise<SigningJwk> {
  if (!isSealed(stored.sealed)) return stored as SigningJwk;
  const { sealed, ...publicMembers } = stored;
  return { ...publicMembers, ...JSON.parse(await openSealedFrom(db, sealed, aad(stored.kid))) } as SigningJwk;
}

const parsed = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as StoredJwk;

function insertKey(db: Db, box: SecretBox, jwk: SigningJwk, status: 'current' | 'next') {
  return db
    .insertInto('signing_keys')
    .values({ kid: jwk.kid, alg: jwk.alg, status, private_jwk: JSON.stringify(sealJwk(box, jwk)), activated_at: status === 'current' ? sql<Date>`now()` : null })
    .execute();
}

/**
 * Seals keys still stored in clear (written before keys were sealed) and reseals those sealed
 * with an older keys-encryption key. Idempotent, and safe beside another process doing the
 * same: a row is rewritten only if it still holds what was read. Returns how many changed.
 */
export async function sealSigningKeys(db: Db): Promise<number> {
  const box = await secretBoxFor(db);
  let changed = 0;
  for (const row of await db.selectFrom('signing_keys').select(['kid', 'private_jwk']).execute()) {
    const stored = parsed(row.private_jwk);
    if (isSealed(stored.sealed) && !box.sealedWithOlderKey(stored.sealed)) continue;
    const resealed = sealJwk(box, await openJwk(db, stored));
    const result = await db
      .updateTable('signing_keys')
      .set({ private_jwk: JSON.stringify(resealed) })
      .where('kid', '=', row.kid)
      .where(sql<boolean>`private_jwk = ${JSON.stringify(stored)}::jsonb`)
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}

/** First start: one current key per algorithm, and every key sealed. Safe when several processes start at once. */
export async function ensureSigningKeys(db: Db): Promise<void> {
  await sealSigningKeys(db);
  const box = await secretBoxFor(db);
  for (const alg of signingAlgorithms) {
    const current = await db.selectFrom('signing_keys').select('kid').where('alg', '=', alg).where('status', '=', 'current').executeTakeFirst();
    if (current) continue;
    try {
      await insertKey(db, box, await generateSigningJwk(alg), 'current');
    } catch (error) {
      // Another process created it first (index signing_keys_one_current).
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/** Keys generated before the transaction, so it holds its lock only for the writes. */
async function pregenerate(db: Db): Promise<Map<string, SigningJwk>> {
  const next = await db.selectFrom('signing_keys').select('alg').where('status', '=', 'next').execute();
  const missing = signingAlgorithms.filter((alg) => !next.some((row) => row.alg === alg));
  return new Map(await Promise.all(missing.map(async (alg) => [alg, await generateSigningJwk(alg)] as const)));
}

async function rotateOne(trx: Db, box: SecretBox, alg: SigningAlg, retireAfterSeconds: number, fresh?: SigningJwk): Promise<RotatedKey> {
  // Database time throughout, so expiry does not depend on this host's clock.
  const retired = await trx
    .updateTable('signing_keys')
    .set({ status: 'retired', retired_at: sql<Date>`now()`, expires_at: sql<Date>`now() + make_interval(secs => ${retireAfterSeconds})` })
    .where('alg', '=', alg)
    .where('status', '=', 'current')
    .returning('kid')
    .executeTakeFirst();
  const promoted = await trx
    .updateTable('signing_keys')
    .set({ status: 'current', activated_at: sql<Date>`now()` })
    .where('alg', '=', alg)
    .where('status', '=', 'next')
    .returning('kid')
    .executeTakeFirst();
  let newKid = promoted?.kid;
  if (!newKid) {
    const jwk = fresh ?? (await generateSigningJwk(alg));
    await insertKey(trx, box, jwk, 'current');
    newKid = jwk.kid;
  }
  return retired ? { alg, newKid, retiredKid: retired.kid } : { alg, newKid };
}

/**
 * Makes a new key current for each algorithm: the `next` key if one is waiting, else a fresh
 * one. The old current key is retired but stays in the JWKS for `retireAfterSeconds`, so
 * tokens it signed keep verifying; then loadSigningJwks drops it.
 */
export async function rotateSigningKeys(db: Db, options: { retireAfterSeconds: number }): Promise<RotatedKey[]> {
  const fresh = await pregenerate(db);
  const box = await secretBoxFor(db);
  const rotated = await db.transaction().execute(async (trx) => {
    // Two operators rotating at once take turns instead of failing on signing_keys_one_current.
    await sql`select pg_advisory_xact_lock(${KEY_CHANGE_LOCK})`.execute(trx);
    const results: RotatedKey[] = [];
    for (const alg of signingAlgorithms) results.push(await rotateOne(trx, box, alg, options.retireAfterSeconds, fresh.get(alg)));
    return results;
  });
  await dropExpiredKeys(db);
  return rotated;
}

async function dropExpiredKeys(db: Db): Promise<void> {
  await db.deleteFrom('signing_keys').where('status', '=', 'retired').where('expires_at', '<=', sql<Date>`now()`).execute();
}

const statusRank = sql<number>`case status when 'current' then 0 when 'next' then 1 else 2 end`;

/**
 * The private JWKS for oidc-provider's `jwks` option. Current keys come first because
 * oidc-provider signs with the first key that fits the algorithm; next and retired keys
 * follow, published for verification only. The fingerprint changes whenever the set does.
 */
export async function loadSigningJwks(db: Db): Promise<{ keys: SigningJwk[]; fingerprint: string }> {
  await dropExpiredKeys(db);
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'status', 'private_jwk'])
    .orderBy(statusRank)
    // RS256 before ES256: the spec default first, for portals that naively take the first key.
    .orderBy('alg', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('kid')
    .execute();
  // jsonb comes back parsed from pg and PGlite; a string would mean a driver that did not parse it.
  const keys = await Promise.all(rows.map((row) => openJwk(db, parsed(row.private_jwk))));
  return { keys, fingerprint: rows.map((row) => `${row.kid}:${row.status}`).join(',') };
}

/** Key metadata for operators; never the key material. */
export async function listSigningKeys(db: Db) {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'status', 'created_at', 'activated_at', 'retired_at', 'expires_at'])
    .orderBy('alg', 'desc')
    .orderBy(statusRank)
    .orderBy('created_at', 'desc')
    .execute();
}
