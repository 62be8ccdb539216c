import type Router from '@koa/router';
import type { Context } from 'koa';
import { findStep } from '../../identity/second-step/sign-in-steps.js';
import { sendUnlockMail, unlockByLink } from '../../identity/unlock.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { checkFormPost, loadInteraction, sendError } from '../interaction.js';
import { SIGN_IN_FAILURE_FLOOR_MS, startFloor } from '../response-floor.js';
import { loadStep } from '../second-step/step.js';
import { checkStandalonePost } from '../standalone-form.js';
import { msg } from '../../i18n/index.js';
import { showLocked } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const tokenOf = (value: unknown) => (typeof value === 'string' && TOKEN.test(value) ? value : '');

/**
 * One answer whether a mail went out now, went out within the last minute (throttled), or
 * there is no ID behind the name (a decoy lock): the address is not shown, so the page tells
 * neither which usernames exist nor where their mail goes. The floor hides the mail's work.
 */
const SENT = msg('locked.sent');

async function sendEmail(ctx: Context, deps: FlowDeps): Promise<void> {
  const details = await loadInteraction(ctx, deps);
  if (!details || !checkFormPost(ctx, deps, details.uid)) return;
  const floor = startFloor(SIGN_IN_FAILURE_FLOOR_MS);
  const step = await findStep(deps.db, details.uid);
  if (step?.stage === 'locked' && !step.account_id) {
    await floor();
    return showLocked(ctx, deps, details, undefined, { notice: SENT });
  }
  const place = await loadStep(ctx, deps, 'locked');
  if (!place) return;
  const link = (token: string) => `${deps.config.issuer}/unlock?token=${token}`;
  const outcome = await sendUnlockMail(deps.db, place.account, deps.config.policy.lockout, link, place.origin);
  await floor();
  await showLocked(ctx, deps, place.details, place.account.id, outcome.status === 'not_allowed' ? {} : { notice: SENT });
}

/** GET only asks: mail scanners open links before people do. */
function confirmPage(ctx: Context, deps: FlowDeps): void {
  const token = tokenOf(ctx.query.token);
  if (!token) return sendError(ctx, deps, 400, msg('verify.link_error.title'), msg('unlock.error.invalid'));
  sendPage(ctx, deps.renderer, 'unlock', { mode: 'confirm', action: '/unlock', token, csrf: deps.csrf.token(`unlock:${token}`) });
}

async function confirm(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token);
  if (!checkStandalonePost(ctx, deps, `unlock:${token}`)) return;
  const outcome = await unlockByLink(deps.db, token, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
  if (outcome.ok) return sendPage(ctx, deps.renderer, 'unlock', { mode: 'done', signInUrl: '/account' });
  const why = outcome.reason === 'expired' ? 'unlock.error.expired' : outcome.reason === 'not_locked' ? 'unlock.error.not_locked' : 'unlock.error.used';
  sendError(ctx, deps, 400, msg('verify.link_error.title'), msg(why));
}

/** Re-enabling a locked ID: the email from the locked page, and the link in it. */
export function lockedRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/locked/send-email', (ctx) => sendEmail(ctx, deps));
  router.get('/unlock', (ctx) => confirmPage(ctx, deps));
  router.post('/unlock', (ctx) => confirm(ctx, deps));
}
