import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { InvitationFlow } from '../../identity/flows/invitation.js';
import { msg, type Text } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { passwordHints } from '../register/rule-hints.js';
import { browserBinding } from '../standalone-form.js';
import { mailLinks, requestOrigin } from '../verify-email/context.js';

/*
 * The page a set-password invitation's link opens (`portico users create` without a password):
 * choose a password under the policy, then sign in. The token stays in the query and the form,
 * never in a cookie: the link alone is the proof.
 */

const BINDING = 'invitation';
const text = z.string().max(2000).catch('');
const invitationForm = z.object({ token: text, password: text, confirmPassword: text });

function renderExpired(ctx: Context, deps: FlowDeps): void {
  // Gone: an expired link and a used one look alike, and both say how to get a new one.
  sendPage(ctx, deps.renderer, 'invitation-expired', { recoverUrl: '/recover/password' }, 410);
}

async function renderForm(ctx: Context, deps: FlowDeps, flow: InvitationFlow, token: string, errors: Record<string, Text> = {}, status = 200): Promise<void> {
  const account = flow.accountId ? await deps.identity.invitation.username(flow.accountId) : undefined;
  if (!account) return renderExpired(ctx, deps);
  sendPage(ctx, deps.renderer, 'invitation', {
    csrf: deps.csrf.token(browserBinding(ctx, BINDING)),
    token,
    username: account,
    passwordHints: passwordHints(deps.config.policy.password),
    errors,
  }, status);
}

export function invitationRoutes(router: Router, deps: FlowDeps): void {
  router.get('/invitation', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const flow = await deps.identity.invitation.find(token);
    if (!flow) return renderExpired(ctx, deps);
    await renderForm(ctx, deps, flow, token);
  });
  router.post('/invitation', async (ctx) => {
    requireForm(ctx, deps, browserBinding(ctx, BINDING), msg('standalone.csrf.body'));
    const { token, ...input } = invitationForm.parse(ctx.request.body ?? {});
    const flow = await deps.identity.invitation.find(token);
    if (!flow) return renderExpired(ctx, deps);
    const outcome = await deps.identity.invitation.accept(flow, input, requestOrigin(ctx));
    if (!outcome) return renderExpired(ctx, deps);
    if (!outcome.ok) return renderForm(ctx, deps, flow, token, { [outcome.field]: outcome.message }, 400);
    sendPage(ctx, deps.renderer, 'invitation-done', { signInUrl: mailLinks(deps.config.issuer).signInUrl });
  });
}
