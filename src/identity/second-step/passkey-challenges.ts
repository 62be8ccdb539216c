import { createHash } from 'node:crypto';
import type { Db } from '../../storage/database.js';
import { codeHmacKey, hashesEqual, keyedHash } from '../keyed-hash.js';

/*
 * WebAuthn challenges handed out and not yet answered. Kept in the database, not in a
 * process's memory, because any process may serve the answer; kept as SHA-256 hashes (a
 * challenge is 32 random bytes, so a hash suffices) so that a read of the table answers none;
 * the sign-in they are bound to is hashed too, as the flows table keeps no interaction id in clear.
 * Taking one deletes it: a challenge is answered at most once, whether the answer is good or not.
 */

/** sign_in: a passkey as the whole sign-in, for any account (accountId null until the answer names one). */
export type ChallengePurpose = 'register' | 'authenticate' | 'sign_in';

/** How long a person has to touch the authenticator: the options' timeout is one minute less. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

const hashOf = (challenge: string) => createHash('sha256').update(challenge).digest('base64url');

/*
 * The sign-in page offers a passkey on every view (autofill), so its challenge is not stored
 * when handed out: it is the time it was made and an HMAC of that time and the sign-in under
 * the installation's code key, which the answer's POST checks. Only an answered one is stored,
 * so that a second answer to it finds it spent. Showing the page writes nothing.
 */
const SIGN_IN_LABEL = 'passkey-sign-in';

const signInMac = (key: string, binding: string, issuedMs: number) => keyedHash(key, SIGN_IN_LABEL, `${binding}:${issuedMs}`);

/** A challenge for a passkey as the whole sign-in, bound to `binding` (the interaction) and to now. */
export async function signInChallenge(db: Db, binding: string, now = new Date()): Promise<string> {
  const issued = now.getTime();
  return `${issued.toString(36)}.${signInMac(await codeHmacKey(db), binding, issued)}`;
}

/** Whether `challenge` is one signInChallenge made for `binding`, still live and never answered; answering spends it. */
async function spendSignInChallenge(db: Db, binding: string, challenge: string, now: Date): Promise<boolean> {
  // The answer carries the challenge as the browser got it: our text's UTF-8 bytes, base64url-encoded.
  const [time, mac] = Buffer.from(challenge, 'base64url').toString('utf8').split('.');
  const issued = time && /^[0-9a-z]{1,12}$/.test(time) ? parseInt(time, 36) : NaN;
  if (!mac || !Number.isFinite(issued) || issued > now.getTime() || now.getTime() - issued >= CHALLENGE_TTL_MS) return false;
  if (!hashesEqual(mac, signInMac(await codeHmacKey(db), binding, issued))) return false;
  await db.deleteFrom('webauthn_challenges').where('account_id', 'is', null).where('expires_at', '<=', now).execute();
  const spent = await db
    .insertInto('webauthn_challenges')
    .values({ challenge_hash: hashOf(challenge), account_id: null, purpose: 'sign_in', binding: hashOf(binding), expires_at: new Date(issued + CHALLENGE_TTL_MS) })
    .onConflict((oc) => oc.column('challenge_hash').doNothing())
    .returning('challenge_hash')
    .executeTakeFirst();
  return spent !== undefined;
}

/** Remembers a challenge for this account, purpose and binding; expired ones of the account go. */
export async function keepChallenge(db: Db, accountId: string | null, purpose: ChallengePurpose, binding: string, challenge: string, now = new Date()): Promise<void> {
  await db
    .deleteFrom('webauthn_challenges')
    .where((eb) => (accountId === null ? eb('account_id', 'is', null) : eb('account_id', '=', accountId)))
    .where('expires_at', '<=', now)
    .execute();
  await db
    .insertInto('webauthn_challenges')
    .values({ challenge_hash: hashOf(challenge), account_id: accountId, purpose, binding: hashOf(binding), expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS) })
    .execute();
}

/**
 * Takes a challenge back: true if it was handed out for this account, purpose and binding and
 * is still live. Deleted either way, so a second answer to it (a replay) finds nothing.
 */
export async function takeChallenge(db: Db, accountId: string | null, purpose: ChallengePurpose, binding: string, challenge: string, now = new Date()): Promise<boolean> {
  if (purpose === 'sign_in') return accountId === null && spendSignInChallenge(db, binding, challenge, now);
  const row = await db.deleteFrom('webauthn_challenges').where('challenge_hash', '=', hashOf(challenge)).returning(['account_id', 'purpose', 'binding', 'expires_at']).executeTakeFirst();
  return row !== undefined && row.account_id === accountId && row.purpose === purpose && row.binding === hashOf(binding) && row.expires_at > now;
}
