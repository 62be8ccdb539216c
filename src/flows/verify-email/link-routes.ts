import type Router from '@koa/router';
import type { Context } from 'koa';
import type { VerifyOutcome } from '../../identity/registration/email-verification.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { verificationRequest } from './context.js';
import { clearFlowCookie, readFlowCookie } from './flow-cookie.js';
import { linkProblem } from './messages.js';
import { msg } from '../../i18n/index.js';
import { GoTo, PageError } from '../../web/page-errors.js';
import { renderDone, renderLinkConfirm } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The link is good (and names its account), or the page says why not. */
async function goodLink(ctx: Context, deps: FlowDeps, token: string): Promise<string> {
  const outcome = TOKEN.test(token) ? await deps.identity.registration.checkLink(token, verificationRequest(ctx, deps)) : ({ ok: false, problem: 'no_code' } as const);
  return accountOf(outcome);
}

function accountOf(outcome: VerifyOutcome): string {
  if (!outcome.ok) throw new PageError(400, msg('verify.link_error.title'), linkProblem(outcome));
  return outcome.accountId;
}

/** This browser's verification flow, if it is the one of the registration (or sign-in) that asked for the link. */
async function sameBrowserFlow(ctx: Context, deps: FlowDeps, accountId: string) {
  const flow = await deps.identity.registration.findVerification(readFlowCookie(ctx));
  return flow?.accountId === accountId ? flow : undefined;
}

/** GET shows a button and uses nothing: mail scanners open links before people do. */
async function showLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  const accountId = await goodLink(ctx, deps, token);
  renderLinkConfirm(ctx, deps, token, { askPassword: !(await sameBrowserFlow(ctx, deps, accountId)) });
}

/**
 * Whoever typed an address at registration chose the password, not the address's owner: a
 * confirmation in another browser (the owner's inbox, say) must come from someone who knows
 * the ID's password, or the owner would verify a stranger's ID for them (pre-registration
 * hijack). Wrong passwords are limited like codes.
 */
async function passwordRefused(ctx: Context, deps: FlowDeps, token: string, accountId: string): Promise<boolean> {
  if (await sameBrowserFlow(ctx, deps, accountId)) return false;
  await deps.limits.attempt('codes', ctx.ip, accountId);
  const password = (ctx.request.body as Record<string, unknown> | undefined)?.password;
  if (await deps.identity.registration.knowsPassword(accountId, password)) return false;
  const fieldError = password ? msg('verify.link_error.wrong_password') : msg('verify.link_error.enter_password');
  renderLinkConfirm(ctx, deps, token, { askPassword: true, fieldError }, 400);
  return true;
}

/**
 * In the browser that created the ID, inside a portal's authorization, the waiting page takes
 * over and signs the person in; anywhere else the ID is ready and the person signs in.
 */
async function confirmLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  requireForm(ctx, deps, `verify-link:${token}`, msg('standalone.csrf.body'));
  if (await passwordRefused(ctx, deps, token, await goodLink(ctx, deps, token))) return;
  const accountId = accountOf(await deps.identity.registration.verifyLink(token, verificationRequest(ctx, deps)));
  const flow = await sameBrowserFlow(ctx, deps, accountId);
  if (flow?.data.interactionUid) throw new GoTo(`/interaction/${flow.data.interactionUid}/verify-email`);
  if (flow) {
    // A registration on its own, in its own browser: its flow ends here, at "ready".
    clearFlowCookie(ctx);
    await deps.identity.registration.verified(flow);
  }
  await renderDone(ctx, deps, accountId);
}

const tokenOf = (value: unknown) => (typeof value === 'string' ? value : '');

/** The link from the mail: /verify-email/confirm?token=..., the token posted back in the form. */
export function linkRoutes(router: Router, deps: FlowDeps): void {
  router.get('/verify-email/confirm', (ctx) => showLink(ctx, deps, tokenOf(ctx.query.token)));
  router.post('/verify-email/confirm', (ctx) => confirmLink(ctx, deps, tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token)));
}
