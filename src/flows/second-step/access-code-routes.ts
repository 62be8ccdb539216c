import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { CodeCheck, IssueResult } from '../../identity/one-time-codes.js';
import { checkAccessCode, codeSentFor, sendAccessCode } from '../../identity/second-step/access-code.js';
import type { FlowDeps } from '../deps.js';
import { waitText } from '../verify-email/messages.js';
import { tooManyCodes } from './code-messages.js';
import { completeSecondStep } from './complete.js';
import { offeredMethods } from './methods.js';
import { renderStep } from './page.js';
import { loadStep, type StepPlace } from './step.js';

// People paste codes with spaces or dashes; those are not part of it.
const codeForm = z.object({
  code: z.string().max(100).catch('').transform((c) => c.replace(/[\s-]/g, '')),
  remember: z.literal('yes').optional().catch(undefined),
});

function sendProblem(issued: Exclude<IssueResult, { ok: true }>): string {
  if (issued.reason === 'throttled') return `We just sent a code. You can ask for a new one in ${issued.retryAfterSeconds} seconds.`;
  return `A wrong code was entered too many times. You can ask for a new code ${waitText(issued.until)}, or use another way below.`;
}

function codeProblem(check: Exclude<CodeCheck, { ok: true }>): string {
  switch (check.reason) {
    case 'wrong': {
      const wrong = check.attemptsLeft
        ? `That code is not correct. You can try ${check.attemptsLeft} more time${check.attemptsLeft === 1 ? '' : 's'}.`
        : 'That code is not correct, and that was the last try for it.';
      const account = tooManyCodes(check);
      return account ? `That code is not correct. ${account}` : wrong;
    }
    case 'expired':
      return 'This code has expired. Select "Send a new code".';
    case 'too_many_attempts':
      return tooManyCodes(check) ?? 'A wrong code was entered too many times. Use another way below, or wait and ask for a new code.';
    default:
      return 'This code can no longer be used. Select "Send a new code".';
  }
}

/**
 * Shows the code form once this sign-in was sent a code; before that, a button that sends one.
 * A GET never mails anything (RFC 9110 §9.2.1: GET is safe): the code is sent by the password's
 * POST (after-password.ts) or by this button.
 */
async function show(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  const sent = await codeSentFor(deps.db, place.account.id, place.details.uid);
  await renderStep(ctx, deps, place, sent ? 'email_code' : 'email_code_send');
}


async function submit(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, place.account.id);
  const form = codeForm.parse(ctx.request.body ?? {});
  const { length } = deps.config.policy.second_step.access_code;
  if (!new RegExp(`^\\d{${length}}$`).test(form.code)) {
    return renderStep(ctx, deps, place, 'email_code', { fieldError: `Enter the ${length}-digit code from the email.` }, 400);
  }
  const check = await checkAccessCode(deps.db, place.account.id, form.code, place.details.uid, deps.config.policy.code_failures, place.origin);
  if (!check.ok) return renderStep(ctx, deps, place, 'email_code', { fieldError: codeProblem(check) }, 400);
  await completeSecondStep(ctx, deps, place, 'email_code', form.remember === 'yes');
}

/** Mails this sign-in a code ("Email me a code", "Send a new code"); the page says so, or why not. */
async function resend(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  const first = !(await codeSentFor(deps.db, place.account.id, place.details.uid));
  const issued = await sendAccessCode(deps.db, place.account, deps.config.policy.second_step.access_code, place.details.uid, place.origin);
  if (issued.ok) return renderStep(ctx, deps, place, 'email_code', { notice: first ? 'We sent a code.' : 'We sent a new code. Only the newest code works.' });
  await renderStep(ctx, deps, place, 'email_code', { alert: sendProblem(issued) }, 429);
}

/** The emailed access code (issue 4, item 1), when the policy offers it. */
export function accessCodeRoutes(router: Router, deps: FlowDeps): void {
  const offered = async (place: StepPlace | undefined) => place && (await offeredMethods(deps, place.account)).includes('email_code') ? place : undefined;
  router.get('/interaction/:uid/access-code', async (ctx) => {
    const place = await offered(await loadStep(ctx, deps, 'second_step'));
    if (place) await show(ctx, deps, place);
  });
  router.post('/interaction/:uid/access-code', async (ctx) => {
    const place = await offered(await loadStep(ctx, deps, 'second_step', { post: true }));
    if (place) await submit(ctx, deps, place);
  });
  router.post('/interaction/:uid/access-code/resend', async (ctx) => {
    const place = await offered(await loadStep(ctx, deps, 'second_step', { post: true }));
    if (place) await resend(ctx, deps, place);
  });
}
