import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { SendOutcome } from '../../identity/registration/email-verification.js';
import { VERIFY_CODE_LENGTH } from '../../identity/registration/verification-mail.js';
import { isDigitCode, typedCodeField } from '../../identity/typed-code.js';
import type { FlowDeps } from '../deps.js';
import { verificationRequest } from './context.js';
import { linkRoutes } from './link-routes.js';
import { codeProblem, sendProblem } from './messages.js';
import { msg } from '../../i18n/index.js';
import { renderChangeEmail, renderWaiting } from './page.js';
import { completeVerification, openPlace, openPlacePost, type VerifyPlace } from './place.js';

// People paste codes with spaces or dashes; those are not part of it.
const codeForm = z.object({ code: typedCodeField });
const emailForm = z.object({ email: z.string().max(2000).catch('').transform((e) => e.trim()) });

function requestOf(ctx: Context, deps: FlowDeps, place: VerifyPlace) {
  return verificationRequest(ctx, deps, place.details?.params.client_id);
}

async function showWaiting(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await openPlace(ctx, deps);
  if (place.flow.accountId && (await deps.identity.registration.isVerified(place.flow))) return completeVerification(ctx, deps, place, place.flow.accountId);
  renderWaiting(ctx, deps, place);
}

async function submitCode(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await openPlacePost(ctx, deps);
  await deps.limits.attempt('codes', ctx.ip, place.flow.accountId ?? undefined);
  const { code } = codeForm.parse(ctx.request.body ?? {});
  if (!isDigitCode(code, VERIFY_CODE_LENGTH)) {
    return renderWaiting(ctx, deps, place, { fieldError: msg('verify.error.code_format', { length: VERIFY_CODE_LENGTH }) }, 400);
  }
  const outcome = await deps.identity.registration.verifyCode(place.flow, code, requestOf(ctx, deps, place));
  if (outcome.ok) return completeVerification(ctx, deps, place, outcome.accountId);
  renderWaiting(ctx, deps, place, { fieldError: codeProblem(outcome) }, 400);
}

/** After a resend or a new address: the waiting page with what happened. */
async function afterSend(ctx: Context, deps: FlowDeps, place: VerifyPlace, outcome: SendOutcome, destination: string): Promise<void> {
  if (outcome.status === 'verified') return completeVerification(ctx, deps, place, place.flow.accountId!);
  if (outcome.status === 'sent') return renderWaiting(ctx, deps, { ...place, destination }, { notice: msg('verify.sent_again', { destination }) });
  // A resend asked for too soon only has to wait: the neutral notice, not the red alert.
  renderWaiting(ctx, deps, place, outcome.status === 'throttled' ? { notice: sendProblem(outcome) } : { alert: sendProblem(outcome) }, 429);
}

async function resend(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await openPlacePost(ctx, deps);
  const outcome = await deps.identity.registration.resend(place.flow, requestOf(ctx, deps, place));
  await afterSend(ctx, deps, place, outcome, place.destination);
}

async function showChange(ctx: Context, deps: FlowDeps): Promise<void> {
  renderChangeEmail(ctx, deps, await openPlace(ctx, deps));
}

async function submitChange(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await openPlacePost(ctx, deps);
  const { email } = emailForm.parse(ctx.request.body ?? {});
  const outcome = await deps.identity.registration.changeEmail(place.flow, email, requestOf(ctx, deps, place));
  if (outcome.status === 'invalid') return renderChangeEmail(ctx, deps, place, { fieldError: outcome.message, email }, 400);
  if (outcome.status === 'throttled' || outcome.status === 'locked') {
    return renderChangeEmail(ctx, deps, place, { alert: sendProblem(outcome), email }, 429);
  }
  await afterSend(ctx, deps, place, outcome, email);
}

/** The waiting page and its forms, on their own and inside a portal's authorization. */
export function verifyEmailRoutes(router: Router, deps: FlowDeps): void {
  for (const base of ['/verify-email', '/interaction/:uid/verify-email']) {
    router.get(base, (ctx) => showWaiting(ctx, deps));
    router.post(base, (ctx) => submitCode(ctx, deps));
    router.post(`${base}/resend`, (ctx) => resend(ctx, deps));
    router.get(`${base}/change-email`, (ctx) => showChange(ctx, deps));
    router.post(`${base}/change-email`, (ctx) => submitChange(ctx, deps));
  }
  linkRoutes(router, deps);
}
