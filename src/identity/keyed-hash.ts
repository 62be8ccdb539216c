import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../storage/database.js';
import { getOrCreateSecretSetting } from '../storage/instance-settings.js';

export const CODE_HMAC_KEY_SETTING = 'code_hmac_key';

/**
 * The installation's key for one-time codes, link tokens and flow ids. Kept in the database so
 * every process agrees on it, sealed with the keys-encryption key: a copy of the tables
 * without that key does not give the codes away.
 */
export async function codeHmacKey(db: Db): Promise<string> {
  const known = keys.get(db);
  if (known) return known;
  const key = await getOrCreateSecretSetting(db, CODE_HMAC_KEY_SETTING, () => randomBytes(32).toString('base64url'));
  keys.set(db, key);
  return key;
}

/**
 * The key never changes once created, so each process reads it once per database handle
 * instead of once per sign-in, code and link; transactions opened through inTransaction share it.
 */
const keys = new WeakMap<Db, string>();

/** A transaction opened on `db` knows the key `db` already read (the key never changes). */
export function shareKey(db: Db, trx: Db): void {
  const known = keys.get(db);
  if (known) keys.set(trx, known);
}

/**
 * HMAC-SHA256, not argon2: codes live hours and tokens are random, so a slow hash buys nothing
 * once the key is secret. The label keeps one kind of secret from matching another.
 */
export function keyedHash(key: string, label: string, value: string): string {
  return createHmac('sha256', key).update(`${label}\u0000${value}`).digest('base64url');
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A random secret for a URL or a cookie (256 bits). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
