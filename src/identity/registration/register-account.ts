import type { Policy } from '../../config/policy.js';
import { msg } from '../../i18n/index.js';
import type { Db } from '../../storage/database.js';
import { insertAccount, isUniqueViolation, isUsernameTaken } from '../accounts.js';
import { recordAudit } from '../audit.js';
import { emitAccountEvent } from '../account-events.js';
import { storeAcceptance } from '../terms.js';
import type { PasswordHasher } from '../passwords.js';
import type { RequestOrigin, MailLinks } from './context.js';
import { joinAtRegistration } from './invited.js';
import { checkGroupName, checkValues, runIdentityCheck, storeCheckedSubject, type CheckResult } from './identity-check.js';
import { findVerifiedHolder } from './pending-ids.js';
import { registeredAccountType } from './rules.js';
import { validateRegistration, type FieldErrors, type RegistrationInput } from './validate.js';
import { createFlow } from './verification-flow.js';
import { notifyExistingOwner, sendVerificationMail, verifyEmailSpec } from './verification-mail.js';

export interface RegistrationContext {
  policy: Policy;
  links: MailLinks;
  origin: RequestOrigin;
  /** The authorization the person came from, to return to once the email is verified. */
  interactionUid?: string;
  /** The organisation invitation's token the form came with (invited.ts); never stored or logged. */
  invitationToken?: string;
  now?: Date;
}

/**
 * `flowId` identifies the browser's pending verification. A registration with an address that
 * already belongs to an ID gets one too, indistinguishable from a real one. `joined` is the
 * organisation an invitation link made the new, already verified, ID a member of.
 */
export type RegistrationOutcome = { ok: true; flowId: string } | { ok: true; joined: string } | { ok: false; errors: FieldErrors } | { ok: false; unavailable: true };

export const USERNAME_TAKEN = msg('username.taken');

/**
 * Creates an unverified account, its verification code and mail, all in one transaction. The
 * ID holds nothing but its password until the address is verified: security questions are
 * enrolled after that, at the first sign-in (flows/second-step). Whether or not another ID owns
 * the address, the account is created, so its username answers the same at sign-in (the
 * waiting page) either way; when an ID owns it, that owner is told instead and no code goes
 * out. The unique index on usernames settles races: the loser rolls back whole and is retried
 * once, which then sees the winner as a field error. A type with an identity check asks the
 * plan's verifier once the form is valid, before anything is written: "no match" is a field
 * error and a verifier that does not answer is `unavailable`, neither leaving a row behind.
 */
export async function registerAccount(db: Db, hasher: PasswordHasher, input: RegistrationInput, context: RegistrationContext): Promise<RegistrationOutcome> {
  const errors = await validateRegistration(context.policy, input, context.now);
  const type = registeredAccountType(context.policy.account_types, input.accountType ?? '');
  if (Object.keys(errors).length > 0 || 'error' in type) return { ok: false, errors };
  const checked = await identityCheck(context.policy, type.type, input);
  if (checked.result === 'unavailable') return { ok: false, unavailable: true };
  // One message beside the fields as a whole: which of them did not match is the plan's to know.
  if (checked.result === 'no_match') return { ok: false, errors: { [checkGroupName(type.type)]: msg('idcheck.error.no_match') } };
  const passwordHash = await hasher.hash(input.password);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => registerOnce(trx, { ...input, accountType: type.type }, passwordHash, context, checked.subject));
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 2) throw error;
    }
  }
}

/** The type's identity check, asked before anything is written; a type without one passes. */
async function identityCheck(policy: Policy, accountType: string, input: RegistrationInput): Promise<CheckResult | { result: 'none'; subject?: undefined }> {
  const check = policy.account_types.find((t) => t.id === accountType)?.identity_check;
  if (!check) return { result: 'none' };
  return runIdentityCheck(accountType, check, checkValues(accountType, check, input.checkFields ?? {}));
}

/**
 * The terms ticked on the form. Signed, they are stored as a later version's prompt stores
 * them (signature and `terms.accepted` event), inside the registration's transaction.
 */
async function acceptAtRegistration(trx: Db, accountId: string, input: RegistrationInput, context: RegistrationContext, now: Date): Promise<void> {
  const terms = context.policy.registration.terms;
  if (terms.require_signature) return storeAcceptance(trx, accountId, terms.version, (input.signature ?? '').trim(), context.origin, now);
  await trx.updateTable('accounts').set({ terms_version: terms.version, terms_accepted_at: now }).where('id', '=', accountId).execute();
}

async function registerOnce(trx: Db, input: RegistrationInput, passwordHash: string, context: RegistrationContext, checkedSubject?: string): Promise<RegistrationOutcome> {
  const now = context.now ?? new Date();
  const verification = { policy: context.policy.registration.verification, mailCap: context.policy.pending_ids, codeFailures: context.policy.code_failures, links: context.links, origin: context.origin, now };
  const ttlSeconds = verifyEmailSpec(verification.policy).ttlSeconds;
  if (await isUsernameTaken(trx, input.username)) return { ok: false, errors: { username: USERNAME_TAKEN } };
  const account = await insertAccount(trx, {
    username: input.username,
    email: input.email,
    givenName: input.givenName,
    familyName: input.familyName,
    birthYear: Number(input.birthYear),
    passwordHash,
    accountType: input.accountType,
  });
  await acceptAtRegistration(trx, account.id, input, context, now);
  if (checkedSubject !== undefined) await storeCheckedSubject(trx, account.id, account.account_type, checkedSubject);
  await emitAccountEvent(trx, 'account.created', account.id);
  const owner = await findVerifiedHolder(trx, input.email);
  await recordAudit(trx, {
    action: 'account.registered',
    actor: `account:${account.id}`,
    accountId: account.id,
    details: { terms_version: context.policy.registration.terms.version, account_type: account.account_type, email_owned_by_another: Boolean(owner), identity_checked: checkedSubject !== undefined },
    ...context.origin,
  });
  const joined = !owner && context.invitationToken ? await joinAtRegistration(trx, account, context.invitationToken, context.origin) : undefined;
  if (joined) return { ok: true, joined };
  if (owner) {
    await notifyExistingOwner(trx, owner, verification);
    const flowId = await createFlow(trx, 'registered', { accountId: null, destination: input.email, interactionUid: context.interactionUid, ttlSeconds, now });
    return { ok: true, flowId };
  }
  await sendVerificationMail(trx, account, verification);
  const flowId = await createFlow(trx, 'registered', { accountId: account.id, destination: account.email, interactionUid: context.interactionUid, ttlSeconds, now });
  return { ok: true, flowId };
}
