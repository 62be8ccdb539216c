import type { Context } from 'koa';
import { recordAudit } from '../../identity/audit.js';
import { deleteStep } from '../../identity/second-step/sign-in-steps.js';
import type { FlowDeps } from '../deps.js';
import { finishInteraction, type InteractionDetails } from '../interaction.js';

/** The end of the sign-in chain: `login` is resolved only now (design.md, interaction pipeline). */
export async function finishSignIn(ctx: Context, deps: FlowDeps, details: InteractionDetails, accountId: string, amr: string[], acr: string): Promise<void> {
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
  await recordAudit(deps.db, { action: 'sign_in.succeeded', actor: `account:${accountId}`, accountId, clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), details: { amr, acr } });
  await deleteStep(deps.db, details.uid);
  await finishInteraction(ctx, deps, { login: { accountId, amr, acr } });
}
