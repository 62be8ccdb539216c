import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import { unlockRoute } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import type { Text } from '../../i18n/index.js';
import { helpDeskWords } from '../../notify/help-desk.js';
import { portalAbortUrl, type InteractionDetails } from '../interaction.js';

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
  sendPage(ctx, deps.renderer, 'locked', {
    route: account ? unlockRoute(lockout, account) : lockout.default_unlock,
    validHours: lockout.unlock_link_ttl_hours,
    helpDesk: helpDeskWords(lockout),
    sendAction: `/interaction/${details.uid}/locked/send-email`,
    abortUrl: portalAbortUrl(details),
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    ...messages,
  }, status);
}
