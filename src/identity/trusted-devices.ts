import type { Db } from '../storage/database.js';
import type { TrustedDevice } from '../storage/schema.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { codeHmacKey, keyedHash, randomToken } from './keyed-hash.js';

/**
 * "Remember this device": the browser holds one random token (a cookie); each account that
 * ticked the box on that browser has a row with the token's keyed hash. Another account on the
 * same browser is not covered, and a copy of this table does not yield a usable cookie.
 */
const LABEL = 'device';

async function tokenHash(db: Db, token: string): Promise<string> {
  return keyedHash(await codeHmacKey(db), LABEL, token);
}

export function newDeviceToken(): string {
  return randomToken();
}

export async function isTrustedDevice(db: Db, accountId: string, token: string | undefined, now = new Date()): Promise<boolean> {
  if (!token) return false;
  const used = await db
    .updateTable('trusted_devices')
    .set({ last_used_at: now })
    .where('account_id', '=', accountId)
    .where('token_hash', '=', await tokenHash(db, token))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .executeTakeFirst();
  return used !== undefined;
}

export async function trustDevice(db: Db, accountId: string, token: string, label: string, days: number, origin: AuditOrigin = {}): Promise<void> {
  const now = new Date();
  await db
    .insertInto('trusted_devices')
    .values({ account_id: accountId, token_hash: await tokenHash(db, token), label: label.slice(0, 200) || 'Unknown browser', expires_at: new Date(now.getTime() + days * 86_400_000) })
    .execute();
  await recordAudit(db, { action: 'device.trusted', actor: `account:${accountId}`, accountId, details: { days }, ...origin });
}

export function listTrustedDevices(db: Db, accountId: string, now = new Date()): Promise<TrustedDevice[]> {
  return db
    .selectFrom('trusted_devices')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('last_used_at', 'desc')
    .execute();
}

/** Revokes the account's remembered devices, or only `deviceId` if it is one of them; returns how many. */
export async function forgetDevices(db: Db, accountId: string, deviceId?: string): Promise<number> {
  let query = db.updateTable('trusted_devices').set({ revoked_at: new Date() }).where('account_id', '=', accountId).where('revoked_at', 'is', null);
  if (deviceId !== undefined) query = query.where('id', '=', deviceId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The browser and system a User-Agent names, in broad terms; undefined for one not recognised. */
export function deviceParts(userAgent: string): { browser?: string; os?: string } {
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : undefined;
  const os = /Windows/.test(userAgent) ? 'Windows' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : undefined;
  return { browser, os };
}

/** A short, human label for the device list ("Chrome on Linux"), from the User-Agent. */
export function deviceLabel(userAgent: string): string {
  const { browser, os } = deviceParts(userAgent);
  return `${browser ?? 'Browser'} on ${os ?? 'an unknown system'}`;
}
