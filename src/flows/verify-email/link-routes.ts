import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkVerificationLink, verifyByLink } from '../../identity/registration/email-verification.js';
import { findFlow } from '../../identity/registration/verification-flow.js';
import type { FlowDeps } from '../deps.js';
import { sendError } from '../interaction.js';
import { checkStandalonePost } from '../standalone-form.js';
import { verificationContext } from './context.js';
import { clearFlowCookie, readFlowCookie } from './flow-cookie.js';
import { linkProblem } from './messages.js';
import { renderDone, renderLinkConfirm } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** GET shows a button and uses nothing: mail scanners open links before people do. */
async function showLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  const outcome = TOKEN.test(token) ? await checkVerificationLink(deps.db, token, verificationContext(ctx, deps)) : ({ ok: false, problem: 'no_code' } as const);
  if (!outcome.ok) return sendError(ctx, deps, 400, 'This link cannot be used', linkProblem(outcome));
  renderLinkConfirm(ctx, deps, token);
}

/**
 * In the browser that created the ID, inside a portal's authorization, the waiting page takes
 * over and signs the person in; anywhere else the ID is ready and the person signs in.
 */
async function confirmLink(ctx: Context, deps: FlowDeps, token: string): Promise<void> {
  if (!checkStandalonePost(ctx, deps, `verify-link:${token}`)) return;
  const outcome = TOKEN.test(token) ? await verifyByLink(deps.db, token, verificationContext(ctx, deps)) : ({ ok: false, problem: 'no_code' } as const);
  if (!outcome.ok) return sendError(ctx, deps, 400, 'This link cannot be used', linkProblem(outcome));
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
