import { z } from 'zod';
import type { LegacyLinkSettings } from '../../config/clients.js';
import type { HttpVerifier } from '../../config/http-verifier.js';
import { askVerifier } from '../http-verifier.js';
import type { Db } from '../../storage/database.js';
import type { PasswordHasher } from '../passwords.js';
import { verifyLegacyHash } from './hashes.js';

/*
 * Checking a person's old credentials for a legacy system: against the
 * imported store, or by asking the portal's own endpoint. Both answer the same three ways.
 */
export type LegacyCheck = { ok: true; subject: string } | { ok: false; reason: 'wrong' | 'unavailable' };

async function checkImported(db: Db, hasher: PasswordHasher, system: string, username: string, password: string): Promise<LegacyCheck> {
  const record = await db
    .selectFrom('legacy_accounts')
    .select(['subject', 'password_hash'])
    .where('system', '=', system)
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.trim().toLowerCase()))
    .executeTakeFirst();
  if (!record) {
    // An unknown old username costs what a wrong password does.
    await hasher.verifyDecoy(password);
    return { ok: false, reason: 'wrong' };
  }
  return (await verifyLegacyHash(record.password_hash, password)) ? { ok: true, subject: record.subject } : { ok: false, reason: 'wrong' };
}

const remoteAnswer = z.object({ subject: z.union([z.string().min(1).max(200), z.number()]) });

/**
 * POSTs {username, password} as JSON with the shared secret as a bearer token. 200 with a
 * subject: right; 401, 403 or 404: wrong; anything else, or no answer in time: unavailable.
 */
async function checkRemote(verifier: HttpVerifier, username: string, password: string): Promise<LegacyCheck> {
  const reply = await askVerifier(verifier, { username, password });
  if (reply && [401, 403, 404].includes(reply.status)) return { ok: false, reason: 'wrong' };
  const parsed = remoteAnswer.safeParse(reply?.status === 200 ? reply.body : undefined);
  return parsed.success ? { ok: true, subject: String(parsed.data.subject) } : { ok: false, reason: 'unavailable' };
}

export function checkLegacyCredentials(db: Db, hasher: PasswordHasher, link: LegacyLinkSettings, username: string, password: string): Promise<LegacyCheck> {
  return link.verifier ? checkRemote(link.verifier, username, password) : checkImported(db, hasher, link.system, username, password);
}
