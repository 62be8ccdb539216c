import type { Context } from 'koa';
import { startVerification } from '../../identity/registration/email-verification.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';
import type { InteractionDetails } from '../interaction.js';
import { verificationContext } from './context.js';
import { setFlowCookie } from './flow-cookie.js';

/**
 * An account whose email is not verified yet signed in with the right password: instead of
 * finishing the login, take the person to the waiting page.
 */
export async function continueToVerification(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<void> {
  const flowId = await startVerification(deps.db, account, details.uid, verificationContext(ctx, deps, details.params.client_id));
  setFlowCookie(ctx, deps, flowId);
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/verify-email`);
}
