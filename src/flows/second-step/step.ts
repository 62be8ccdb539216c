import type { Context } from 'koa';
import { findAccountById, type Account } from '../../identity/accounts.js';
import { findStep, type SignInStep, type Stage } from '../../identity/second-step/sign-in-steps.js';
import type { MethodStep } from '../../methods/index.js';
import type { FlowDeps } from '../deps.js';
import { checkFormPost, loadInteraction, type InteractionDetails } from '../interaction.js';

/** `uid`, `account` and `origin` are what a second-step method sees of it (methods/types.ts). */
export interface StepPlace extends MethodStep {
  details: InteractionDetails;
  step: SignInStep;
  account: Account;
  origin: { clientId?: string; ip: string; userAgent: string };
}

/**
 * The interaction and the sign-in step it is at. Without one (expired, or someone jumping
 * ahead) the browser goes back to the interaction's start, which shows the sign-in page.
 */
export async function loadStep(ctx: Context, deps: FlowDeps, stage: Stage, options: { post?: boolean } = {}): Promise<StepPlace | undefined> {
  const details = await loadInteraction(ctx, deps);
  if (!details) return undefined;
  if (options.post && !checkFormPost(ctx, deps, details.uid)) return undefined;
  const step = await findStep(deps.db, details.uid);
  const account = step?.account_id && step.stage === stage ? await findAccountById(deps.db, step.account_id) : undefined;
  if (!step || !account) {
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
    return undefined;
  }
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
  return { uid: details.uid, details, step, account, origin: { clientId, ip: ctx.ip, userAgent: ctx.get('user-agent') } };
}
