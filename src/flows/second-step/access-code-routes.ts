import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { CodeCheck, IssueResult } from '../../identity/one-time-codes.js';
import { checkAccessCode, codeSentFor, sendAccessCode } from '../../identity/second-step/access-code.js';
import type { FlowDeps } from '../deps.js';
import { waitMsg } from '../verify-email/messages.js';
import { msg, type Msg } from '../../i18n/index.js';
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

function sendProblem(issued: Exclude<IssueResult, { ok: true }>): Msg {
  if (issued.reason === 'throttled') return msg('second.error.throttled', { count: issued.retryAfterSeconds });
  return msg('second.error.send_paused', { wait: waitMsg(issued.until) });
}

function codeProblem(check: Exclude<CodeCheck, { ok: true }>): Msg {
  switch (check.reason) {
    case 'wrong': {
      const wrong = check.attemptsLeft ? msg('second.error.wrong', { count: check.attemptsLeft }) : msg('second.error.wrong_last');
      const account = tooManyCodes(check);
      return account ? msg('second.error.wrong_and', { reason: account }) : wrong;
    }
    case 'expired':
      return msg('second.error.expired');
    case 'too_many_attempts':
      return tooManyCodes(check) ?? msg('second.error.too_many');
    default:
      return msg('second.error.used');
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
    return renderStep(ctx, deps, place, 'email_code', { fieldError: msg('second.error.code_format', { length }) }, 400);
  }
  const check = await checkAccessCode(deps.db, place.account.id, form.code, place.details.uid, deps.config.policy.code_failures, place.origin);
  if (!check.ok) return renderStep(ctx, deps, place, 'email_code', { fieldError: codeProblem(check) }, 400);
  await completeSecondStep(ctx, deps, place, 'email_code', form.remember === 'yes');
}

/** Mails this sign-in a code ("Email me a code", "Send a new code"); the page says so, or why not. */
async function resend(ctx: Context, deps: FlowDeps, place: StepPlace): Promise<void> {
  const first = !(await codeSentFor(deps.db, place.account.id, place.details.uid));
  const issued = await sendAccessCode(deps.db, place.account, deps.config.policy.second_step.access_code, place.details.uid, place.origin);
  if (issued.ok) return renderStep(ctx, deps, place, 'email_code', { notice: msg(first ? 'second.notice.sent' : 'second.notice.sent_again') });
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
