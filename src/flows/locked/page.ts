import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import { unlockRoute } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { msg, type Text } from '../../i18n/index.js';
import { isDefaultHelpDesk } from '../../config/policy-sign-in.js';
import { currentBrand } from '../../notify/brand-context.js';
import type { InteractionDetails } from '../interaction.js';

export interface LockedMessages {
  notice?: Text;
  alert?: Text;
}

/**
 * "We can't let you sign in just yet": the same page whether the password typed was right or
 * wrong. Showing it writes nothing; the sign-in flow moved to `locked` when the lock happened
 * (flows/sign-in/flow.ts). A made-up name reaches this page at the same count as a real one
 * (identity/lockout-decoys.ts), with no account behind it, and is shown what most IDs are shown.
 */
export function renderLocked(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account | undefined, messages: LockedMessages = {}, status = 403): void {
  const { lockout } = deps.config.policy;
  // The portal's (or the instance's) help-desk number, rather than "call the number on your
  // portal's sign-in page", unless the operator worded the locked page's help desk themselves.
  const support = currentBrand().support;
  const call = support?.phone && isDefaultHelpDesk(lockout.help_desk) ? (support.hours ? msg('locked.call_hours', { phone: support.phone, hours: support.hours }) : msg('locked.call', { phone: support.phone })) : undefined;
  sendPage(ctx, deps.renderer, 'locked', {
    route: account ? unlockRoute(lockout, account) : lockout.default_unlock,
    validHours: lockout.unlock_link_ttl_hours,
    helpDesk: call ?? { text: lockout.help_desk, translations: lockout.help_desk_translations },
    sendAction: `/interaction/${details.uid}/locked/send-email`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    ...messages,
  }, status);
}
