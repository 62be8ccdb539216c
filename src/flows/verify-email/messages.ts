import type { SendOutcome, VerifyOutcome } from '../../identity/registration/email-verification.js';
import { msg, type Msg } from '../../i18n/index.js';
import { waitMsg } from '../../methods/code-messages.js';

export { waitMsg };

/** What each outcome tells the person; the same words whether or not an ID is behind the page. */

export function codeProblem(outcome: Exclude<VerifyOutcome, { ok: true }>): Msg {
  switch (outcome.problem) {
    case 'wrong':
      return outcome.attemptsLeft > 0 ? msg('verify.error.wrong', { count: outcome.attemptsLeft }) : msg('verify.error.wrong_last');
    case 'too_many_attempts':
      return msg('verify.error.too_many');
    case 'expired':
      return msg('verify.error.expired');
    case 'used':
    case 'superseded':
      return msg('verify.error.used');
    case 'no_code':
      return msg('verify.error.no_code');
  }
}

export function linkProblem(outcome: Exclude<VerifyOutcome, { ok: true }>): Msg {
  switch (outcome.problem) {
    case 'expired':
      return msg('verify.link_error.expired');
    case 'superseded':
      return msg('verify.link_error.superseded');
    case 'used':
      return msg('verify.link_error.used');
    default:
      return msg('verify.link_error.invalid');
  }
}

/** A refused resend or change of address. */
export function sendProblem(outcome: Exclude<SendOutcome, { status: 'sent' | 'verified' }>): Msg {
  if (outcome.status === 'throttled') return msg('verify.send.throttled', { count: outcome.retryAfterSeconds });
  return msg('verify.send.paused', { wait: waitMsg(outcome.until) });
}
