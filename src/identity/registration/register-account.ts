import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import { insertAccount, isUniqueViolation, isUsernameTaken } from '../accounts.js';
import { recordAudit } from '../audit.js';
import type { PasswordHasher } from '../passwords.js';
import type { RequestOrigin, MailLinks } from './context.js';
import { hashAnswers, saveAnswers } from './security-answers.js';
import { validateRegistration, type FieldErrors, type RegistrationInput } from './validate.js';
import { createFlow } from './verification-flow.js';
import { findAccountByEmail, notifyExistingOwner, sendVerificationMail, verifyEmailSpec } from './verification-mail.js';

export interface RegistrationContext {
  policy: Policy;
  links: MailLinks;
  origin: RequestOrigin;
  /** The authorization the person came from, to return to once the email is verified. */
  interactionUid?: string;
  now?: Date;
}

/**
 * `flowId` identifies the browser's pending verification. A registration with an address that
 * already belongs to an ID gets one too, indistinguishable from a real one (issue 3, item 3).
 */
export type RegistrationOutcome = { ok: true; flowId: string } | { ok: false; errors: FieldErrors };

export const USERNAME_TAKEN = 'That username is already taken. Choose another.';

interface Hashed {
  password: string;
  answers: Array<{ questionId: string; hash: string }>;
}

/**
 * Creates an unverified account with its security answers, verification code and mail, all in
 * one transaction. The unique indexes settle races: a registration that loses one rolls back
 * whole and is retried once, which then sees the winner (a taken username is a field error, a
 * taken email the same answer as success).
 */
export async function registerAccount(db: Db, hasher: PasswordHasher, input: RegistrationInput, context: RegistrationContext): Promise<RegistrationOutcome> {
  const errors = await validateRegistration(context.policy, input, context.now);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  // Hashed before anything is looked up, so a taken email costs the same time as a new one.
  const [password, answers] = await Promise.all([hasher.hash(input.password), hashAnswers(hasher, input.questions)]);
  const hashed = { password, answers };
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => registerOnce(trx, input, hashed, context));
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 2) throw error;
    }
  }
}

async function registerOnce(trx: Db, input: RegistrationInput, hashed: Hashed, context: RegistrationContext): Promise<RegistrationOutcome> {
  const now = context.now ?? new Date();
  const verification = { policy: context.policy.registration.verification, links: context.links, origin: context.origin, now };
  const ttlSeconds = verifyEmailSpec(verification.policy).ttlSeconds;
  if (await isUsernameTaken(trx, input.username)) return { ok: false, errors: { username: USERNAME_TAKEN } };
  const owner = await findAccountByEmail(trx, input.email);
  if (owner) {
    await notifyExistingOwner(trx, owner, verification);
    const flowId = await createFlow(trx, { accountId: null, destination: input.email, interactionUid: context.interactionUid, ttlSeconds, now });
    return { ok: true, flowId };
  }
  const account = await insertAccount(trx, {
    username: input.username,
    email: input.email,
    givenName: input.givenName,
    familyName: input.familyName,
    birthYear: Number(input.birthYear),
    passwordHash: hashed.password,
  });
  await trx
    .updateTable('accounts')
    .set({ terms_version: context.policy.registration.terms.version, terms_accepted_at: now })
    .where('id', '=', account.id)
    .execute();
  await saveAnswers(trx, account.id, hashed.answers);
  await recordAudit(trx, {
    action: 'account.registered',
    actor: `account:${account.id}`,
    accountId: account.id,
    details: { terms_version: context.policy.registration.terms.version, questions: input.questions.map((q) => q.questionId) },
    ...context.origin,
  });
  await sendVerificationMail(trx, account, verification);
  const flowId = await createFlow(trx, { accountId: account.id, destination: account.email, interactionUid: context.interactionUid, ttlSeconds, now });
  return { ok: true, flowId };
}
