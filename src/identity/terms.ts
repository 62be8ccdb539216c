import { msg, type Msg } from '../i18n/index.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { recordAudit, type AuditOrigin } from './audit.js';
import { normaliseAnswer } from './registration/security-answers.js';

export type TermsOutcome = { ok: true } | { ok: false; field: 'accept' | 'signature'; message: Msg };

/**
 * Records acceptance of a terms version: the version, the time and, where the terms ask for
 * it, the name typed as a signature, which must be the account's own first and last name
 * (compared without regard to case, spacing or look-alike forms).
 */
export async function acceptTerms(db: Db, account: Account, version: string, input: { accepted: boolean; signature?: string; requireSignature: boolean }, origin: AuditOrigin = {}): Promise<TermsOutcome> {
  if (!input.accepted) return { ok: false, field: 'accept', message: msg('terms.error.tick') };
  const signature = (input.signature ?? '').trim();
  if (input.requireSignature && normaliseAnswer(signature) !== normaliseAnswer(`${account.given_name} ${account.family_name}`)) {
    return { ok: false, field: 'signature', message: msg('terms.error.signature') };
  }
  const now = new Date();
  await db
    .updateTable('accounts')
    .set({ terms_version: version, terms_accepted_at: now, terms_signature: input.requireSignature ? signature : null, updated_at: now })
    .where('id', '=', account.id)
    .execute();
  await recordAudit(db, { action: 'terms.accepted', actor: `account:${account.id}`, accountId: account.id, details: { version, signed: input.requireSignature }, ...origin });
  return { ok: true };
}
