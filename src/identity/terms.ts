import { msg, type Msg } from '../i18n/index.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { normaliseAnswer } from './registration/security-answers.js';

export type TermsOutcome = { ok: true } | { ok: false; field: 'accept' | 'signature'; message: Msg };

/**
 * Whether a typed signature is the person's own first and last name, compared without regard
 * to case, spacing or look-alike forms. The same rule at registration and at a later version.
 */
export function signatureMatches(signature: string, name: { givenName: string; familyName: string }): boolean {
  return normaliseAnswer(signature) === normaliseAnswer(`${name.givenName} ${name.familyName}`);
}

/** Stores an accepted version (and its signature, null when unsigned) with its audit event. */
export async function storeAcceptance(db: Db, accountId: string, version: string, signature: string | null, origin: AuditOrigin = {}, now = new Date()): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ terms_version: version, terms_accepted_at: now, terms_signature: signature, updated_at: now })
    .where('id', '=', accountId)
    .execute();
  await recordAudit(db, { action: 'terms.accepted', actor: `account:${accountId}`, accountId, details: { version, signed: signature !== null }, ...origin });
}

/**
 * Records acceptance of a terms version: the version, the time and, where the terms ask for
 * it, the name typed as a signature, which must be the account's own first and last name
 * (compared without regard to case, spacing or look-alike forms).
 */
export async function acceptTerms(db: Db, account: Account, version: string, input: { accepted: boolean; signature?: string; requireSignature: boolean }, origin: AuditOrigin = {}): Promise<TermsOutcome> {
  if (!input.accepted) return { ok: false, field: 'accept', message: msg('terms.error.tick') };
  const signature = (input.signature ?? '').trim();
  if (input.requireSignature && !signatureMatches(signature, { givenName: account.given_name, familyName: account.family_name })) {
    return { ok: false, field: 'signature', message: msg('terms.error.signature') };
  }
  await storeAcceptance(db, account.id, version, input.requireSignature ? signature : null, origin);
  return { ok: true };
}
