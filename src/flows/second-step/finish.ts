import type { Context } from 'koa';
import { recordCompletedSignIn } from '../../identity/accounts.js';
import { recordAudit } from '../../identity/audit.js';
import { deleteStep } from '../../identity/second-step/sign-in-steps.js';
import type { FlowDeps } from '../deps.js';
import { isFirstParty } from '../first-party.js';
import { finishInteraction, type InteractionDetails } from '../interaction.js';

/**
 * The end of the sign-in chain: `login` is resolved only now (docs/architecture.md, interaction pipeline).
 * A first-party portal's consent is resolved with it: it would be granted without a page
 * anyway (flows/router.ts), and oidc-provider counts a prompt as done once the result names it
 * (OIDCContext.promptPending), so `prompt=consent` costs no second interaction.
 * `stepSaved: false` when this interaction never reached a second step (a remembered device):
 * there is no step to delete.
 */
export async function finishSignIn(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string, amr: string[], acr: string, options: { stepSaved?: boolean } = {}): Promise<void> {
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
  await recordCompletedSignIn(deps.db, accountId);
  await recordAudit(deps.db, { action: 'sign_in.succeeded', actor: `account:${accountId}`, accountId, clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), details: { amr, acr } });
  if (options.stepSaved !== false) await deleteStep(deps.db, details.uid);
  await finishInteraction(ctx, details, { login: { accountId, amr, acr }, ...(isFirstParty(deps, clientId) ? { consent: {} } : {}) });
}
