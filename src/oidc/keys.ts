import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import { isUniqueViolation } from '../identity/accounts.js';
import type { Db } from '../storage/database.js';

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

function insertKey(db: Db, jwk: SigningJwk, status: 'current' | 'next') {
  return db
    .insertInto('signing_keys')
    .values({ kid: jwk.kid, alg: jwk.alg, status, private_jwk: JSON.stringify(jwk), activated_at: status === 'current' ? sql<Date>`now()` : null })
    .execute();
}

/** First start: one current key per algorithm. Safe when several processes start at once. */
export async function ensureSigningKeys(db: Db): Promise<void> {
  for (const alg of signingAlgorithms) {
    const current = await db.selectFrom('signing_keys').select('kid').where('alg', '=', alg).where('status', '=', 'current').executeTakeFirst();
    if (current) continue;
    try {
      await insertKey(db, await generateSigningJwk(alg), 'current');
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

async function rotateOne(trx: Db, alg: SigningAlg, retireAfterSeconds: number, fresh?: SigningJwk): Promise<RotatedKey> {
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
    await insertKey(trx, jwk, 'current');
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
  const rotated = await db.transaction().execute(async (trx) => {
    // Two operators rotating at once take turns instead of failing on signing_keys_one_current.
    await sql`select pg_advisory_xact_lock(${KEY_CHANGE_LOCK})`.execute(trx);
    const results: RotatedKey[] = [];
    for (const alg of signingAlgorithms) results.push(await rotateOne(trx, alg, options.retireAfterSeconds, fresh.get(alg)));
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
  const keys = rows.map((row) => (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as SigningJwk);
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
