import type { Context } from 'koa';
import { hasAnswers } from '../../identity/second-step/security-questions.js';
import { amrOf, updateStep } from '../../identity/second-step/sign-in-steps.js';
import { deviceLabel, trustDevice } from '../../identity/trusted-devices.js';
import type { SecondStepMethod } from '../../methods/index.js';
import type { FlowDeps } from '../deps.js';
import { ensureDeviceToken } from './device-cookie.js';
import { finishSignIn } from './finish.js';
import type { StepPlace } from './step.js';

/** Whether this account must still set its security questions (policy, and none on file). */
export async function needsEnrolment(deps: FlowDeps, accountId: string): Promise<boolean> {
  const { second_step: policy, registration } = deps.config.policy;
  if (!policy.require_security_questions || registration.security_questions.count === 0) return false;
  return !(await hasAnswers(deps.db, accountId));
}

/**
 * The second step succeeded: remember the device if asked, enrol security questions if the
 * account has none, then finish with the amr and acr of the method that succeeded.
 */
export async function completeSecondStep(ctx: Context, deps: FlowDeps, place: StepPlace, method: SecondStepMethod, remember: boolean): Promise<void> {
  const { details, account, origin } = place;
  const amr = [...amrOf(place.step), method.amr];
  await method.succeeded?.(deps, place);
  if (remember) {
    const token = ensureDeviceToken(ctx, deps);
    await trustDevice(deps.db, account.id, token, deviceLabel(ctx.get('user-agent')), deps.config.policy.second_step.trusted_device_days, origin);
  }
  if (await needsEnrolment(deps, account.id)) {
    await updateStep(deps.db, details.uid, { stage: 'enrol', amr });
    ctx.status = 303;
    return ctx.redirect(`/interaction/${details.uid}/enrol-questions`);
  }
  await finishSignIn(ctx, deps, details, account.id, amr, method.acr);
}
