import type { Context } from 'koa';
import { findAccountById } from '../../identity/accounts.js';
import { saveStep } from '../../identity/second-step/sign-in-steps.js';
import { unlockRoute } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import type { Text } from '../../i18n/index.js';
import type { InteractionDetails } from '../interaction.js';

export interface LockedMessages {
  notice?: Text;
  alert?: Text;
}

/**
 * "We can't let you sign in just yet": the same page whether the password
 * typed was right or wrong. The interaction remembers which account it is about, so "Send email
 * to re-enable" needs nothing from the browser but the form token. A made-up name reaches this
 * page at the same count as a real one (identity/lockout-decoys.ts), with no account behind it.
 */
export async function showLocked(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string | undefined, messages: LockedMessages = {}, status = 403): Promise<void> {
  const account = accountId ? await findAccountById(deps.db, accountId) : undefined;
  const { lockout, sessions } = deps.config.policy;
  await saveStep(deps.db, details.uid, accountId ?? null, 'locked', [], sessions.interaction_ttl_seconds);
  sendPage(ctx, deps.renderer, 'locked', {
    // A name with no ID (its decoy counter ran out) is shown what most IDs are shown.
    route: account ? unlockRoute(lockout, account) : accountId ? 'help_desk' : lockout.default_unlock,
    validHours: lockout.unlock_link_ttl_hours,
    helpDesk: { text: lockout.help_desk, translations: lockout.help_desk_translations },
    sendAction: `/interaction/${details.uid}/locked/send-email`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    ...messages,
  }, status);
}
