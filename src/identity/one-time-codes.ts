import { randomInt } from 'node:crypto';
import type { Db } from '../storage/database.js';
import type { OneTimeCode } from '../storage/schema.js';
import { clearCodeFailures, countFailure, DEFAULT_CODE_FAILURES, gateOf, lockCounter, type CodeFailuresPolicy, type Door, type Gate } from './code-failures.js';
import { codeHmacKey, hashesEqual, keyedHash, randomToken } from './keyed-hash.js';
import { inTransaction } from './transaction.js';

/**
 * One-time codes sent to an account's email (verification now, sign-in access codes later).
 * Only keyed hashes are stored. The newest code for an account and purpose is the only live
 * one; each allows `maxAttempts` wrong tries, and a new code inherits the wrong tries of the
 * live code it replaces, so asking for new codes never buys more guesses (docs/architecture.md). Failures
 * also add up per account across codes and purposes (identity/code-failures.ts).
 */
export interface CodeSpec {
  purpose: string;
  /** Digits: 10 for email verification (the replaced portals' public guides), 6 for sign-in access codes. */
  length: number;
  ttlSeconds: number;
  maxAttempts: number;
  /** Least time between two codes for one account and purpose. */
  throttleSeconds: number;
  /** Also issue a link token, a 256-bit secret to put in a URL. */
  withLink?: boolean;
  /** The sign-in (interaction uid) the code belongs to: only that sign-in can use it. */
  binding?: string;
}

export type IssueRefusal =
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number }
  /** The live code used up its tries: no new code until it would have expired. */
  | { ok: false; reason: 'locked'; until: Date };

export type IssueResult = { ok: true; code: string; linkToken?: string; expiresAt: Date } | IssueRefusal;

export type CodeFailure = 'no_code' | 'wrong' | 'used' | 'expired' | 'superseded' | 'too_many_attempts';

export type LinkFailure = 'used' | 'expired' | 'superseded';

export type CodeCheck =
  | { ok: true; accountId: string; destination: string }
  /** `waitSeconds` or `locked` with too_many_attempts: the account's failures across codes (code-failures.ts). */
  | { ok: false; reason: CodeFailure; attemptsLeft?: number; accountId?: string; waitSeconds?: number; locked?: boolean };

/** What the rules below read of a code; decoys (recovery/decoy-codes.ts) keep the same fields. */
export type CodeState = Pick<OneTimeCode, 'created_at' | 'expires_at' | 'attempts' | 'max_attempts' | 'consumed_at'>;

export const RECOVERY_CODE = 'recovery';
/** Codes reached with a username alone count apart from those behind the right password. */
export const doorOf = (purpose: string): Door => (purpose === RECOVERY_CODE ? 'recovery' : 'password');

const codeLabel = (purpose: string, accountId: string) => `code:${purpose}:${accountId}`;
const linkLabel = (purpose: string) => `link:${purpose}`;

function randomDigits(length: number): string {
  return Array.from({ length }, () => randomInt(10)).join('');
}

/** The newest code of an account and purpose; with `binding`, the newest of that sign-in. */
export function latestCode(db: Db, accountId: string, purpose: string, binding?: string): Promise<OneTimeCode | undefined> {
  let query = db.selectFrom('one_time_codes').selectAll().where('account_id', '=', accountId).where('purpose', '=', purpose);
  if (binding !== undefined) query = query.where('bound_to', '=', binding);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Whether a new code may be issued now, and how many wrong tries it starts with. */
export async function checkIssuable(db: Db, accountId: string, spec: CodeSpec, now = new Date()): Promise<IssueRefusal | { ok: true; carried: number }> {
  return issuability(await latestCode(db, accountId, spec.purpose, spec.binding), spec, now);
}

/** The rule of checkIssuable, given the live code (or none). */
export function issuability(live: CodeState | undefined, spec: Pick<CodeSpec, 'throttleSeconds' | 'maxAttempts'>, now: Date): IssueRefusal | { ok: true; carried: number } {
  if (!live) return { ok: true, carried: 0 };
  const waited = (now.getTime() - live.created_at.getTime()) / 1000;
  // A used code throttles nothing: only someone who read it could have used it.
  if (live.consumed_at === null && waited < spec.throttleSeconds) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.ceil(spec.throttleSeconds - waited) };
  const stillLive = live.consumed_at === null && live.expires_at > now;
  const carried = stillLive ? live.attempts : 0;
  if (carried >= spec.maxAttempts) return { ok: false, reason: 'locked', until: live.expires_at };
  return { ok: true, carried };
}

/** Issues a code (and link token) for an account; pass the transaction of the change that needs it. */
export function issueCode(db: Db, accountId: string, destination: string, spec: CodeSpec, now = new Date()): Promise<IssueResult> {
  return inTransaction(db, async (trx) => {
    // One issuer at a time per account, so two resends cannot both pass the throttle.
    await trx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().executeTakeFirstOrThrow();
    const issuable = await checkIssuable(trx, accountId, spec, now);
    if (!issuable.ok) return issuable;
    const key = await codeHmacKey(trx);
    const code = randomDigits(spec.length);
    const linkToken = spec.withLink ? randomToken() : undefined;
    const expiresAt = new Date(now.getTime() + spec.ttlSeconds * 1000);
    await trx
      .insertInto('one_time_codes')
      .values({
        account_id: accountId,
        purpose: spec.purpose,
        code_hash: keyedHash(key, codeLabel(spec.purpose, accountId), code),
        link_token_hash: linkToken ? keyedHash(key, linkLabel(spec.purpose), linkToken) : null,
        destination,
        expires_at: expiresAt,
        attempts: issuable.carried,
        max_attempts: spec.maxAttempts,
        created_at: now,
        bound_to: spec.binding ?? null,
      })
      .execute();
    return { ok: true, code, linkToken, expiresAt };
  });
}

export function refusal(row: CodeState, now: Date): CodeFailure | undefined {
  if (row.consumed_at) return 'used';
  if (row.expires_at <= now) return 'expired';
  if (row.attempts >= row.max_attempts) return 'too_many_attempts';
  return undefined;
}

/** What a closed gate adds to a refusal. */
export const closed = (gate: Gate): { waitSeconds?: number; locked?: boolean } => (gate.open ? {} : 'locked' in gate ? { locked: true } : { waitSeconds: gate.waitSeconds });

export interface VerifyOptions {
  /** The sign-in the code must belong to. */
  binding?: string;
  failures?: CodeFailuresPolicy;
}

/**
 * Checks a typed code against the live one: single use, expiry, a bounded number of wrong
 * tries per code, and the account's failures across codes (checked under its locked counter,
 * so parallel tries are serialised: see code-failures.ts).
 */
export function verifyCode(db: Db, accountId: string, purpose: string, candidate: string, now = new Date(), options: VerifyOptions = {}): Promise<CodeCheck> {
  const door = doorOf(purpose);
  const policy = options.failures ?? DEFAULT_CODE_FAILURES;
  return inTransaction(db, async (trx) => {
    const counter = await lockCounter(trx, accountId, door);
    const row = await latestCode(trx, accountId, purpose, options.binding);
    if (!row) return { ok: false, reason: 'no_code', accountId };
    const refused = refusal(row, now);
    if (refused) return { ok: false, reason: refused, accountId };
    const gate = gateOf(counter, policy, now);
    if (!gate.open) return { ok: false, reason: 'too_many_attempts', accountId, ...closed(gate) };
    const key = await codeHmacKey(trx);
    if (hashesEqual(keyedHash(key, codeLabel(purpose, accountId), candidate), row.code_hash)) {
      await trx.updateTable('one_time_codes').set({ consumed_at: now }).where('id', '=', row.id).execute();
      await clearCodeFailures(trx, accountId, door);
      return { ok: true, accountId, destination: row.destination };
    }
    const counted = await trx.updateTable('one_time_codes').set({ attempts: row.attempts + 1 }).where('id', '=', row.id).returning(['attempts', 'max_attempts']).executeTakeFirstOrThrow();
    const after = await countFailure(trx, accountId, door, counter.failures, policy, now);
    return { ok: false, reason: 'wrong', attemptsLeft: counted.max_attempts - counted.attempts, accountId, ...closed(after) };
  });
}

/** Finds the code a link token belongs to and says whether it is still good, without using it. */
export async function inspectLink(db: Db, purpose: string, token: string, now = new Date()): Promise<{ row: OneTimeCode; failure?: LinkFailure } | undefined> {
  const key = await codeHmacKey(db);
  const row = await db
    .selectFrom('one_time_codes')
    .selectAll()
    .where('link_token_hash', '=', keyedHash(key, linkLabel(purpose), token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return undefined;
  const newest = await latestCode(db, row.account_id, purpose);
  if (newest && newest.id !== row.id) return { row, failure: 'superseded' };
  // The link is a 256-bit secret, not a guess: wrong tries at the typed code do not block it.
  if (row.consumed_at) return { row, failure: 'used' };
  if (row.expires_at <= now) return { row, failure: 'expired' };
  return { row };
}

/** Uses a link token once. */
export async function consumeLink(db: Db, purpose: string, token: string, now = new Date()): Promise<CodeCheck> {
  const found = await inspectLink(db, purpose, token, now);
  if (!found) return { ok: false, reason: 'no_code' };
  if (found.failure) return { ok: false, reason: found.failure, accountId: found.row.account_id };
  const done = await db
    .updateTable('one_time_codes')
    .set({ consumed_at: now })
    .where('id', '=', found.row.id)
    .where('consumed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!done) return { ok: false, reason: 'used', accountId: found.row.account_id };
  return { ok: true, accountId: found.row.account_id, destination: found.row.destination };
}
