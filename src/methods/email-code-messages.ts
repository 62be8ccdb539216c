import { msg, type Msg } from '../i18n/index.js';
import type { CodeCheck, IssueResult } from '../identity/one-time-codes.js';
import { tooManyCodes, waitMsg, wrongCode } from './code-messages.js';

/** The words of the emailed access code's page, as catalogue keys worded when the page renders. */

export const codeFormat = (length: number): Msg => msg('second.error.code_format', { length });

export const codeSent = (first: boolean): Msg => msg(first ? 'second.notice.sent' : 'second.notice.sent_again');

export const offerCode: Msg = msg('second.other.email_code');

export function sendProblem(issued: Exclude<IssueResult, { ok: true }>): Msg {
  if (issued.reason === 'throttled') return msg('second.error.throttled', { count: issued.retryAfterSeconds });
  return msg('second.error.send_paused', { wait: waitMsg(issued.until) });
}

export function codeProblem(check: Exclude<CodeCheck, { ok: true }>): Msg {
  switch (check.reason) {
    case 'wrong':
      return wrongCode(check);
    case 'expired':
      return msg('second.error.expired');
    case 'too_many_attempts':
      return tooManyCodes(check) ?? msg('second.error.too_many');
    default:
      return msg('second.error.used');
  }
}
