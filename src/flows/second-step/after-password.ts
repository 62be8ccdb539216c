import type { Context } from 'koa';
import { ACR } from '../../identity/second-step/assurance.js';
import { saveStep } from '../../identity/second-step/sign-in-steps.js';
import { isTrustedDevice } from '../../identity/trusted-devices.js';
import { secondStepDemanded } from '../../oidc/second-step-demand.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';
import type { InteractionDetails } from '../interaction.js';
import { readDeviceToken } from './device-cookie.js';
import { finishSignIn } from './finish.js';
import { methodUrl } from './page.js';

/**
 * After a right password: a remembered device finishes the sign-in, unless the portal demands
 * a second step; everyone else goes to the first method the policy offers this account, which
 * starts there (the emailed code is mailed by this POST; its page's GET never mails).
 */
export async function continueAfterPassword(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<void> {
  const demanded = secondStepDemanded(deps.config, details.params.client_id, details.params.acr_values);
  if (!demanded && (await isTrustedDevice(deps.db, account.id, readDeviceToken(ctx)))) {
    return finishSignIn(ctx, deps, details, account.id, ['pwd'], ACR.trustedDevice, { stepSaved: false });
  }
  const [first] = await deps.methods.offered(deps, account);
  await saveStep(deps.db, details.uid, account.id, 'second_step', ['pwd'], deps.config.policy.sessions.interaction_ttl_seconds);
  await first!.start?.(deps, { uid: details.uid, account, origin: { clientId: details.params.client_id as string | undefined, ip: ctx.ip, userAgent: ctx.get('user-agent') } });
  ctx.status = 303;
  ctx.redirect(methodUrl(details.uid, first!));
}
