import { msg, type Msg } from '../i18n/index.js';
import type { PasskeyRefusal } from '../identity/second-step/passkeys.js';

/** The words of passkey pages, as catalogue keys worded when the page renders. */

export const offerPasskey: Msg = msg('second.other.passkey');

export function passkeyProblem(reason: PasskeyRefusal | 'duplicate'): Msg {
  switch (reason) {
    case 'malformed':
      return msg('passkey.error.malformed');
    case 'challenge':
      return msg('passkey.error.challenge');
    case 'wrong_site':
      return msg('passkey.error.wrong_site');
    case 'unknown':
      return msg('passkey.error.unknown');
    case 'counter':
      return msg('passkey.error.counter');
    case 'duplicate':
      return msg('passkey.error.duplicate');
    default:
      return msg('passkey.error.refused');
  }
}
