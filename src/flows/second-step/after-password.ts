import type { Context } from 'koa';
import { sendAccessCode } from '../../identity/second-step/access-code.js';
import { ACR } from '../../identity/second-step/assurance.js';
import { saveStep } from '../../identity/second-step/sign-in-steps.js';
import { isTrustedDevice } from '../../identity/trusted-devices.js';
import { secondStepDemanded } from '../../oidc/second-step-demand.js';
import type { Account } from '../../storage/schema.js';
import type { FlowDeps } from '../deps.js';
import type { InteractionDetails } from '../interaction.js';
import { readDeviceToken } from './device-cookie.js';
import { finishSignIn } from './finish.js';
import { METHOD_PATH, offeredMethods } from './methods.js';

/**
 * After a right password: a remembered device finishes the sign-in, unless the portal demands
 * a second step; everyone else goes to the first method the policy offers this account.
 */
export async function continueAfterPassword(ctx: Context, deps: FlowDeps, details: InteractionDetails, account: Account): Promise<void> {
  const demanded = secondStepDemanded(deps.config, details.params.client_id, details.params.acr_values);
  if (!demanded && (await isTrustedDevice(deps.db, account.id, readDeviceToken(ctx)))) {
    return finishSignIn(ctx, deps, details, account.id, ['pwd'], ACR.trustedDevice, { stepSaved: false });
  }
  const [first] = await offeredMethods(deps, account);
  await saveStep(deps.db, details.uid, account.id, 'second_step', ['pwd'], deps.config.policy.sessions.interaction_ttl_seconds);
  // The password's POST mails this sign-in its code; the code page's GET never does.
  if ((first ?? 'email_code') === 'email_code') await sendAccessCode(deps.db, account, deps.config.policy.second_step.access_code, details.uid, { clientId: details.params.client_id as string | undefined, ip: ctx.ip, userAgent: ctx.get('user-agent') });
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}/${METHOD_PATH[first ?? 'email_code']}`);
}
