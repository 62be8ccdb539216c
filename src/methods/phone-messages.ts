import { msg, type Msg } from '../i18n/index.js';
import type { NumberProblem } from '../identity/second-step/phone-number.js';
import type { PhoneChannel, SendRefusal } from '../identity/second-step/phone-send.js';
import type { CodeCheck } from '../identity/one-time-codes.js';
import { tooManyCodes, waitMsg, wrongCode } from './code-messages.js';

/** The words of the phone method's pages, as catalogue keys worded when the page renders. */

export const offerPhone: Msg = msg('second.other.phone');

export const codeSentTo = (channel: PhoneChannel, ending: string): Msg => msg(channel === 'call' ? 'phone.notice.calling' : 'phone.notice.texted', { ending });

export function sendProblem(refusal: SendRefusal): Msg {
  switch (refusal.reason) {
    case 'wait':
      return msg('phone.error.wait', { count: refusal.seconds });
    case 'capped':
      return msg('phone.error.capped');
    case 'locked':
      return msg('second.error.send_paused', { wait: waitMsg(refusal.until) });
    default:
      return msg('phone.error.unreachable');
  }
}

/** Over a limit: too many requests (RFC 6585 §4), the page with its notice; a gateway failure is not the person's doing. */
export const sendStatus = (refusal: SendRefusal): number => (refusal.reason === 'unreachable' ? 200 : 429);

export const typedCodeProblem = (problem: 'letters' | 'format'): Msg => msg(problem === 'letters' ? 'phone.error.letters' : 'phone.error.format');

export function codeProblem(check: Exclude<CodeCheck, { ok: true }>): Msg {
  switch (check.reason) {
    case 'wrong':
      return wrongCode(check);
    case 'too_many_attempts':
      return tooManyCodes(check) ?? msg('second.error.too_many');
    case 'expired':
      return msg('phone.error.expired');
    default:
      return msg('phone.error.used');
  }
}

export function numberProblem(problem: NumberProblem | 'same', countries: readonly string[]): Msg {
  switch (problem) {
    case 'too_long':
      return msg('phone.error.number_too_long');
    case 'foreign':
      return msg('phone.error.number_foreign', { countries: countries.join(', ') });
    case 'kind':
      return msg('phone.error.number_kind');
    case 'same':
      return msg('phone.error.number_same');
    default:
      return msg('phone.error.number_malformed');
  }
}
