import type { Policy } from '../config/policy.js';
import { isDefaultHelpDesk } from '../config/policy-sign-in.js';
import { msg, type Msg, type PolicyText } from '../i18n/index.js';
import { currentBrand } from './brand-context.js';

/**
 * What the help desk's words are for this journey: the portal's (or the instance's) help-desk
 * number, rather than "call the number on your portal's sign-in page", unless the operator
 * worded lockout.help_desk themselves. The locked page and the help-desk mails say the same.
 */
export function helpDeskWords(lockout: Policy['lockout']): Msg | PolicyText {
  const support = currentBrand().support;
  if (support?.phone && isDefaultHelpDesk(lockout.help_desk)) {
    return support.hours ? msg('locked.call_hours', { phone: support.phone, hours: support.hours }) : msg('locked.call', { phone: support.phone });
  }
  return { text: lockout.help_desk, translations: lockout.help_desk_translations };
}
