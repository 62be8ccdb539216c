import type { Context } from 'koa';
import { findAccountById } from '../../identity/accounts.js';
import { saveStep } from '../../identity/second-step/sign-in-steps.js';
import { unlockRoute } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import type { InteractionDetails } from '../interaction.js';

export interface LockedMessages {
  notice?: string;
  alert?: string;
}

/**
 * "We can't let you sign in just yet" (issue 4, item 3): the same page whether the password
 * typed was right or wrong. The interaction remembers which account it is about, so "Send email
 * to re-enable" needs nothing from the browser but the form token.
 */
export async function showLocked(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string, messages: LockedMessages = {}, status = 403): Promise<void> {
  const account = await findAccountById(deps.db, accountId);
  const { lockout, sessions } = deps.config.policy;
  await saveStep(deps.db, details.uid, accountId, 'locked', [], sessions.interaction_ttl_seconds);
  sendPage(ctx, deps.renderer, 'locked', {
    route: account ? unlockRoute(lockout, account) : 'help_desk',
    validHours: lockout.unlock_link_ttl_hours,
    helpDesk: lockout.help_desk,
    sendAction: `/interaction/${details.uid}/locked/send-email`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    ...messages,
  }, status);
}
