import type { Account } from '../accounts.js';
import { findAccountById } from '../accounts.js';
import { nextState } from '../flows/machine.js';
import { registrationFlow, type RegistrationState } from '../flows/registration.js';
import { changeVerificationEmail } from '../registration/change-email.js';
import type { MailLinks, RequestOrigin, VerificationContext } from '../registration/context.js';
import { checkVerificationLink, resendVerification, startVerification, verifyByCode, verifyByLink } from '../registration/email-verification.js';
import { registerAccount } from '../registration/register-account.js';
import type { RegistrationInput } from '../registration/validate.js';
import { findVerificationFlow, verified, type VerificationFlow } from '../registration/verification-flow.js';
import type { IdentityEnv } from './env.js';

/** What a page knows of its request: where it came from, and the links its mails carry. */
export interface VerificationRequest {
  origin: RequestOrigin;
  links: MailLinks;
}

/** A password typed on a link's page is at most this long (longer is wrong, and not hashed). */
const PASSWORD_MAX = 1024;

/**
 * "Create an ID" and the email verification it leads to (identity/flows/registration.md,
 * verification.md): the form, the verification flow of a browser, its code, link, resend and
 * change of address. The registration keeps no record; its verification flow carries it.
 */
export function registrationService(env: IdentityEnv) {
  const { db, hasher, policy } = env;
  const context = (request: VerificationRequest): VerificationContext => ({
    policy: policy.registration.verification,
    mailCap: policy.pending_ids,
    codeFailures: policy.code_failures,
    ...request,
  });
  return {
    /** The form: field errors, or the unverified ID with its verification flow (the registration at `verify_email`). */
    register: (input: RegistrationInput, request: VerificationRequest, interactionUid?: string, invitationToken?: string) =>
      registerAccount(db, hasher, input, { policy, ...request, interactionUid, invitationToken }),
    /** Where a registration goes once its address is proved: "ready", or on into the portal's sign-in. */
    afterVerification: (inPortal: boolean): RegistrationState => nextState(registrationFlow, 'verify_email', inPortal ? 'verified_in_portal' : 'verified'),

    /** A sign-in found the address unverified: a verification flow for its browser; returns its id. */
    startVerification: (account: Account, interactionUid: string, request: VerificationRequest) => startVerification(db, account, interactionUid, context(request)),
    /** The browser's live verification flow, if its id names one. */
    findVerification: (flowId: string | undefined) => findVerificationFlow(db, flowId),
    /** True when the flow's account has proved its address (by the code, or the link elsewhere). */
    async isVerified(flow: VerificationFlow): Promise<boolean> {
      if (!flow.accountId) return false;
      return Boolean((await findAccountById(db, flow.accountId))?.email_verified_at);
    },
    /** The browser learnt the address is proved: its flow ends. Undefined when another request ended it first. */
    verified: (flow: VerificationFlow) => verified(db, flow),

    verifyCode: (flow: VerificationFlow, code: string, request: VerificationRequest) => verifyByCode(db, flow, code, context(request)),
    resend: (flow: VerificationFlow, request: VerificationRequest) => resendVerification(db, flow, context(request)),
    changeEmail: (flow: VerificationFlow, email: string, request: VerificationRequest) => changeVerificationEmail(db, flow, email, context(request)),
    checkLink: (token: string, request: VerificationRequest) => checkVerificationLink(db, token, context(request)),
    verifyLink: (token: string, request: VerificationRequest) => verifyByLink(db, token, context(request)),
    /** The ID's password, asked where a link is confirmed outside the browser that created the ID. */
    async knowsPassword(accountId: string, password: unknown): Promise<boolean> {
      const account = await findAccountById(db, accountId);
      if (typeof password === 'string' && password.length <= PASSWORD_MAX && account) return hasher.verify(account.password_hash, password);
      return hasher.verifyDecoy('');
    },
  };
}

export type RegistrationService = ReturnType<typeof registrationService>;
