import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkVerificationLink, verifyByLink } from '../../identity/registration/email-verification.js';
import { findAccountById } from '../../identity/accounts.js';
import { findFlow } from '../../identity/registration/verification-flow.js';
import type { FlowDeps } from '../deps.js';
import { sendError } from '../interaction.js';
import { checkStandalonePost } from '../standalone-form.js';
import { verificationContext } from './context.js';
import { clearFlowCookie, readFlowCookie } from './flow-cookie.js';
import { linkProblem } from './messages.js';
import { msg } from '../../i18n/index.js';
import { renderDone, renderLinkConfirm } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const checkLink = (ctx: Context, deps: FlowDeps, token: string) =>
  TOKEN.test(token) ? checkVerificationLink(deps.db, token, verificationContext(ctx, deps)) : Promise.resolve({ ok: false, problem: 'no_code' } as const);

/** Whether this browser holds the flow of the registration (or sign-in) that asked for the link. */
async function sameBrowser(ctx: Context, deps: FlowDeps, accountId: string): Promise<boolean> {
  const flowId = readFlowCookie(ctx);
  const flow = flowId ? await findFlow(deps.db, flowId) : undefined;
  return flow?.account_id === accountId;
}

/** GET shows a button and uses nothing: mail scanners open links before people do. */
async function showLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  const outcome = await checkLink(ctx, deps, token);
  if (!outcome.ok) return sendError(ctx, deps, 400, msg('verify.link_error.title'), linkProblem(outcome));
  renderLinkConfirm(ctx, deps, token, { askPassword: !(await sameBrowser(ctx, deps, outcome.accountId)) });
}

/**
 * Whoever typed an address at registration chose the password, not the address's owner: a
 * confirmation in another browser (the owner's inbox, say) must come from someone who knows
 * the ID's password, or the owner would verify a stranger's ID for them (pre-registration
 * hijack). Wrong passwords are limited like codes.
 */
async function passwordRefused(ctx: Context, deps: FlowDeps, token: string, accountId: string): Promise<boolean> {
  if (await sameBrowser(ctx, deps, accountId)) return false;
  await deps.limits.attempt('codes', ctx.ip, accountId);
  const password = (ctx.request.body as Record<string, unknown> | undefined)?.password;
  const account = await findAccountById(deps.db, accountId);
  const right = typeof password === 'string' && password.length <= 1024 && account ? await deps.hasher.verify(account.password_hash, password) : await deps.hasher.verifyDecoy('');
  if (right) return false;
  const fieldError = password ? msg('verify.link_error.wrong_password') : msg('verify.link_error.enter_password');
  renderLinkConfirm(ctx, deps, token, { askPassword: true, fieldError }, 400);
  return true;
}

/**
 * In the browser that created the ID, inside a portal's authorization, the waiting page takes
 * over and signs the person in; anywhere else the ID is ready and the person signs in.
 */
async function confirmLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  if (!checkStandalonePost(ctx, deps, `verify-link:${token}`)) return;
  const checked = await checkLink(ctx, deps, token);
  if (!checked.ok) return sendError(ctx, deps, 400, msg('verify.link_error.title'), linkProblem(checked));
  if (await passwordRefused(ctx, deps, token, checked.accountId)) return;
  const outcome = await verifyByLink(deps.db, token, verificationContext(ctx, deps));
  if (!outcome.ok) return sendError(ctx, deps, 400, msg('verify.link_error.title'), linkProblem(outcome));
  const flowId = readFlowCookie(ctx);
  const flow = flowId ? await findFlow(deps.db, flowId) : undefined;
  if (flow?.account_id === outcome.accountId && flow.interaction_uid) {
    ctx.status = 303;
    return ctx.redirect(`/interaction/${flow.interaction_uid}/verify-email`);
  }
  if (flow?.account_id === outcome.accountId) clearFlowCookie(ctx);
  renderDone(ctx, deps);
}

const tokenOf = (value: unknown) => (typeof value === 'string' ? value : '');

/** The link from the mail: /verify-email/confirm?token=..., the token posted back in the form. */
export function linkRoutes(router: Router, deps: FlowDeps): void {
  router.get('/verify-email/confirm', (ctx) => showLink(ctx, deps, tokenOf(ctx.query.token)));
  router.post('/verify-email/confirm', (ctx) => confirmLink(ctx, deps, tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token)));
}
