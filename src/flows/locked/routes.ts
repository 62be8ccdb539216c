import type Router from '@koa/router';
import type { Context } from 'koa';
import { maskEmail } from '../../identity/second-step/access-code.js';
import { sendUnlockMail, unlockByLink } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { sendError } from '../interaction.js';
import { loadStep } from '../second-step/step.js';
import { checkStandalonePost } from '../standalone-form.js';
import { showLocked } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const tokenOf = (value: unknown) => (typeof value === 'string' && TOKEN.test(value) ? value : '');

async function sendEmail(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStep(ctx, deps, 'locked', { post: true });
  if (!place) return;
  const link = (token: string) => `${deps.config.issuer}/unlock?token=${token}`;
  const outcome = await sendUnlockMail(deps.db, place.account, deps.config.policy.lockout, link, place.origin);
  if (outcome.status === 'sent') return showLocked(ctx, deps, place.details, place.account.id, { notice: `We sent an email to ${maskEmail(place.account.email)}. Select the link in it to re-enable your ID.` });
  if (outcome.status === 'throttled') return showLocked(ctx, deps, place.details, place.account.id, { alert: `We just sent an email. You can ask again in ${outcome.retryAfterSeconds} seconds.` }, 429);
  await showLocked(ctx, deps, place.details, place.account.id);
}

/** GET only asks: mail scanners open links before people do. */
function confirmPage(ctx: Context, deps: FlowDeps): void {
  const token = tokenOf(ctx.query.token);
  if (!token) return sendError(ctx, deps, 400, 'This link cannot be used', 'This link is not valid. Copy the whole link from the email, or ask for a new one by signing in.');
  sendPage(ctx, deps.renderer, 'unlock', { mode: 'confirm', action: '/unlock', token, csrf: deps.csrf.token(`unlock:${token}`) });
}

async function confirm(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token);
  if (!checkStandalonePost(ctx, deps, `unlock:${token}`)) return;
  const outcome = await unlockByLink(deps.db, token, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
  if (outcome.ok) return sendPage(ctx, deps.renderer, 'unlock', { mode: 'done', signInUrl: '/account' });
  const why = outcome.reason === 'expired' ? 'This link has expired.' : outcome.reason === 'not_locked' ? 'Your ID is not locked.' : 'This link has already been used or is not valid.';
  sendError(ctx, deps, 400, 'This link cannot be used', `${why} To get a new link, sign in and select "Send email to re-enable".`);
}

/** Re-enabling a locked ID: the email from the locked page, and the link in it. */
export function lockedRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/locked/send-email', (ctx) => sendEmail(ctx, deps));
  router.get('/unlock', (ctx) => confirmPage(ctx, deps));
  router.post('/unlock', (ctx) => confirm(ctx, deps));
}
