import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { AuditOrigin } from '../audit.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';
import { clearLegacyAttempts, recordLegacyFailure, releaseLegacyAttempt, reserveLegacyAttempt } from './links.js';

/*
 * Guessing limits on the legacy-password step (ASVS 4.0 V2.2.1: limits must hold however the
 * attacker spreads the guesses). Per Portico ID alone, an attacker with several IDs could make
 * five guesses at one legacy username with each; so attempts are also counted per legacy
 * system and username across every ID, and per client address. Names and addresses are kept
 * as keyed hashes only. Each limit allows `max` attempts in WINDOW, then pauses for WINDOW.
 */
const WINDOW = sql`interval '15 minutes'`;
export const PER_ACCOUNT = 5;
export const PER_LEGACY_USERNAME = 5;
export const PER_ADDRESS = 20;

export interface LegacyGuess {
  accountId: string;
  system: string;
  username: string;
  ip: string;
}

type Keyed = Array<{ key: string; max: number }>;

async function keysOf(db: Db, guess: LegacyGuess): Promise<Keyed> {
  const secret = await codeHmacKey(db);
  return [
    { key: keyedHash(secret, 'legacy-username', `${guess.system}\u0000${guess.username.trim().toLowerCase()}`), max: PER_LEGACY_USERNAME },
    { key: keyedHash(secret, 'legacy-address', guess.ip), max: PER_ADDRESS },
  ];
}

async function reserveKey(db: Db, key: string, max: number): Promise<boolean> {
  const row = await sql<{ failures: number }>`
    insert into legacy_guess_limits as g (key_hash, failures, window_started_at)
    values (${key}, 1, now())
    on conflict (key_hash) do update set
      failures = case when g.window_started_at < now() - ${WINDOW} then 1 else g.failures + 1 end,
      window_started_at = case when g.window_started_at < now() - ${WINDOW} then now() else g.window_started_at end,
      paused_until = case when g.paused_until < now() then null else g.paused_until end
    where (g.paused_until is null or g.paused_until < now())
      and (g.failures < ${max} or g.window_started_at < now() - ${WINDOW})
    returning failures`.execute(db);
  return row.rows.length > 0;
}

const releaseKey = (db: Db, key: string) => sql`update legacy_guess_limits set failures = greatest(failures - 1, 0) where key_hash = ${key}`.execute(db);

/**
 * Takes one attempt on every limit, counted before checking as the per-ID pause always was;
 * undefined, with nothing taken, when any of them is used up.
 */
export async function takeLegacyGuess(db: Db, guess: LegacyGuess): Promise<Keyed | undefined> {
  if (!(await reserveLegacyAttempt(db, guess.accountId, guess.system, PER_ACCOUNT))) return undefined;
  const keys = await keysOf(db, guess);
  const taken: Keyed = [];
  for (const k of keys) {
    if (!(await reserveKey(db, k.key, k.max))) {
      await releaseLegacyAttempt(db, guess.accountId, guess.system);
      for (const t of taken) await releaseKey(db, t.key);
      return undefined;
    }
    taken.push(k);
  }
  return taken;
}

/**
 * wrong: the attempt stays counted, and a limit it used up pauses; unavailable: the check was
 * not made, nothing counts; right: the ID and the legacy username start afresh, and the
 * address gets its attempt back, so an office linking many people is not held up.
 */
export async function settleLegacyGuess(db: Db, guess: LegacyGuess, taken: Keyed, outcome: 'wrong' | 'right' | 'unavailable', origin: AuditOrigin = {}): Promise<void> {
  const [username, address] = taken;
  if (outcome === 'wrong') {
    await recordLegacyFailure(db, guess.accountId, guess.system, PER_ACCOUNT, origin);
    for (const t of taken) await sql`update legacy_guess_limits set paused_until = now() + ${WINDOW} where key_hash = ${t.key} and failures >= ${t.max} and paused_until is null`.execute(db);
    return;
  }
  if (outcome === 'unavailable') {
    await releaseLegacyAttempt(db, guess.accountId, guess.system);
    for (const t of taken) await releaseKey(db, t.key);
    return;
  }
  await clearLegacyAttempts(db, guess.accountId, guess.system);
  await db.deleteFrom('legacy_guess_limits').where('key_hash', '=', username!.key).execute();
  await releaseKey(db, address!.key);
}
