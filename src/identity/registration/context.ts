import type { Policy } from '../../config/policy.js';

/** Where a request came from, for the audit trail. */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
  clientId?: string;
}

/** Absolute URLs the mails carry; built by the web layer, which knows the routes. */
export interface MailLinks {
  verifyLink(token: string): string;
  signInUrl: string;
  recoverUrl: string;
}

/** What the verification steps need besides the database. */
export interface VerificationContext {
  policy: Policy['registration']['verification'];
  /** The cap on mails to one unproven address. */
  mailCap: Policy['pending_ids'];
  /** Wrong codes counted per account across codes (one-time-codes.ts). */
  codeFailures?: Policy['code_failures'];
  links: MailLinks;
  origin: RequestOrigin;
  now?: Date;
}
