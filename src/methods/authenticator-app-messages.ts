import { msg, type Msg } from '../i18n/index.js';
import type { AppCheck, Confirmation } from '../identity/second-step/authenticator-app.js';
import { tooManyCodes } from './code-messages.js';

/** The words of the authenticator app's pages, as catalogue keys worded when the page renders. */

export const offerApp: Msg = msg('second.other.app');

/** The account's failures across codes, in the app's words: codes of every kind are paused, not only emailed ones. */
function gateWords(check: { waitSeconds?: number; locked?: boolean }): Msg | undefined {
  if (check.locked) return msg('app.error.paused', { advice: msg('codes.advice_default') });
  return tooManyCodes(check);
}

/** Why a code was refused, the ID still open (a locked ID gets the locked page instead). */
export function appCodeProblem(check: Exclude<AppCheck, { ok: true } | { reason: 'id_locked' }>): Msg {
  switch (check.reason) {
    case 'malformed':
      return msg('app.error.format');
    case 'replayed':
      return msg('app.error.replayed');
    case 'wrong': {
      const gate = gateWords(check);
      return gate ? msg('app.error.wrong_and', { reason: gate }) : msg('app.error.wrong');
    }
    default:
      return gateWords(check) ?? msg('app.error.wrong');
  }
}

export function confirmProblem(confirmation: Exclude<Confirmation, { ok: true }>): Msg {
  return msg(confirmation.reason === 'malformed' ? 'app.error.enrol_format' : 'app.error.enrol_wrong');
}
