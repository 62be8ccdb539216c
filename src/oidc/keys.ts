import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import { isUniqueViolation } from '../identity/accounts.js';
import type { Db } from '../storage/database.js';

/** RS256 is the OIDC default ID token algorithm (Core §3.1.3.7); ES256 for portals that ask for it. */
export const signingAlgorithms = ['RS256', 'ES256'] as const;
type Alg = (typeof signingAlgorithms)[number];

const statusOrder = { current: 0, next: 1, retired: 2 } as const;

async function generateSigningJwk(alg: Alg): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  // RFC 7638 thumbprints make kids unique, which oidc-provider v9 requires.
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/** First start: one current key per algorithm. Safe when several processes start at once. */
export async function ensureSigningKeys(db: Db): Promise<void> {
  for (const alg of signingAlgorithms) {
    const current = await db.selectFrom('signing_keys').select('kid').where('alg', '=', alg).where('status', '=', 'current').executeTakeFirst();
    if (current) continue;
    const jwk = await generateSigningJwk(alg);
    try {
      await db
        .insertInto('signing_keys')
        .values({ kid: jwk.kid, alg, status: 'current', private_jwk: JSON.stringify(jwk), activated_at: new Date() })
        .execute();
    } catch (error) {
      // Another process created it first (signing_keys_one_current).
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/**
 * Makes a new key current for each algorithm. The old current key is retired but stays in
 * the JWKS until `retireAfterSeconds` have passed, so tokens it signed keep verifying.
 */
export async function rotateSigningKeys(db: Db, options: { retireAfterSeconds: number }) {
  const fresh = await Promise.all(signingAlgorithms.map(generateSigningJwk));
  return db.transaction().execute(async (trx) => {
    const results: { alg: string; newKid: string; retiredKid?: string }[] = [];
    for (const [index, alg] of signingAlgorithms.entries()) {
      const expires = new Date(Date.now() + options.retireAfterSeconds * 1000);
      const retired = await trx
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: new Date(), expires_at: expires })
        .where('alg', '=', alg)
        .where('status', '=', 'current')
        .returning('kid')
        .executeTakeFirst();
      const promoted = await trx
        .updateTable('signing_keys')
        .set({ status: 'current', activated_at: new Date() })
        .where('alg', '=', alg)
        .where('status', '=', 'next')
        .returning('kid')
        .executeTakeFirst();
      let newKid = promoted?.kid;
      if (!newKid) {
        const jwk = fresh[index]!;
        await trx.insertInto('signing_keys').values({ kid: jwk.kid, alg, status: 'current', private_jwk: JSON.stringify(jwk), activated_at: new Date() }).execute();
        newKid = jwk.kid;
      }
      results.push({ alg, newKid, retiredKid: retired?.kid });
    }
    return results;
  });
}

async function dropExpiredKeys(db: Db): Promise<void> {
  await db.deleteFrom('signing_keys').where('status', '=', 'retired').where('expires_at', '<=', sql<Date>`now()`).execute();
}

/**
 * The private JWKS for oidc-provider's `jwks` option: current keys first, because
 * oidc-provider signs with the first key that fits the algorithm; then next and retired ones,
 * which only verify. The fingerprint changes whenever the set does.
 */
export async function loadSigningJwks(db: Db): Promise<{ keys: (JWK & { kid: string })[]; fingerprint: string }> {
  await dropExpiredKeys(db);
  const rows = await db.selectFrom('signing_keys').select(['kid', 'status', 'private_jwk', 'created_at']).execute();
  rows.sort((a, b) => statusOrder[a.status] - statusOrder[b.status] || b.created_at.getTime() - a.created_at.getTime());
  const keys = rows.map((row) => (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as JWK & { kid: string });
  return { keys, fingerprint: rows.map((r) => `${r.kid}:${r.status}`).join(',') };
}

export async function listSigningKeys(db: Db) {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'status', 'created_at', 'activated_at', 'retired_at', 'expires_at'])
    .orderBy('alg')
    .orderBy('created_at', 'desc')
    .execute();
}
