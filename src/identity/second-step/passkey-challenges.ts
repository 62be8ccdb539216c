import { createHash } from 'node:crypto';
import type { Db } from '../../storage/database.js';

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
  const row = await db.deleteFrom('webauthn_challenges').where('challenge_hash', '=', hashOf(challenge)).returning(['account_id', 'purpose', 'binding', 'expires_at']).executeTakeFirst();
  return row !== undefined && row.account_id === accountId && row.purpose === purpose && row.binding === hashOf(binding) && row.expires_at > now;
}
