import type { SendOutcome, VerifyOutcome } from '../../identity/registration/email-verification.js';
import { waitText } from '../../methods/code-messages.js';

/** What each outcome tells the person; the same words whether or not an ID is behind the page. */

export function codeProblem(outcome: Exclude<VerifyOutcome, { ok: true }>): string {
  switch (outcome.problem) {
    case 'wrong':
      return outcome.attemptsLeft > 0
        ? `That code is not correct. Check the email and try again. You can try ${outcome.attemptsLeft} more time${outcome.attemptsLeft === 1 ? '' : 's'}.`
        : 'That code is not correct, and that was the last try for it. Select the activation link in the email instead.';
    case 'too_many_attempts':
      return 'A wrong code was entered too many times. Select the activation link in the email instead.';
    case 'expired':
      return 'This code has expired. Select "Resend email" to get a new one.';
    case 'used':
    case 'superseded':
      return 'This code can no longer be used. Use the code in the most recent email, or select "Resend email".';
    case 'no_code':
      return 'There is no activation code waiting for this address. Select "Resend email" to get one.';
  }
}

export function linkProblem(outcome: Exclude<VerifyOutcome, { ok: true }>): string {
  switch (outcome.problem) {
    case 'expired':
      return 'This activation link has expired. Sign in with your username and password to get a new email.';
    case 'superseded':
      return 'A newer email replaced this one. Use the link or code in the most recent email.';
    case 'used':
      return 'This activation link has already been used. If your email address is verified, you can sign in.';
    default:
      return 'This activation link is not valid. Check that you copied the whole address from the email.';
  }
}

/** A refused resend or change of address. */
export function sendProblem(outcome: Exclude<SendOutcome, { status: 'sent' | 'verified' }>): string {
  if (outcome.status === 'throttled') {
    return `We just sent you an email. Please wait ${outcome.retryAfterSeconds} seconds before asking for another.`;
  }
  return `For your security, no new email can be sent until ${waitText(outcome.until)}. Select the activation link in the email you already have.`;
}
