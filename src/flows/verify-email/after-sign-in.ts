import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import type { InteractionDetails } from '../interaction.js';
import { verificationRequest } from './context.js';
import { setFlowCookie } from './flow-cookie.js';

/**
 * A sign-in whose account's address is not verified yet (the sign-in flow at `verify_email`):
 * a verification flow for this browser, and its waiting page instead of the second step.
 */
export async function startSignInVerification(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<never> {
  const flowId = await deps.identity.registration.startVerification(account, details.uid, verificationRequest(ctx, deps, details.params.client_id));
  setFlowCookie(ctx, deps, flowId);
  throw new GoTo(`/interaction/${details.uid}/verify-email`);
}
