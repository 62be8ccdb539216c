import type Router from '@koa/router';
import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import { GoTo, PageError } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { interactionOf, requireForm } from '../interaction.js';
import { SIGN_IN_FAILURE_FLOOR_MS, startFloor } from '../response-floor.js';
import { interactionUrl, originOf } from '../sign-in/flow.js';
import { msg } from '../../i18n/index.js';
import { renderLocked } from './page.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const tokenOf = (value: unknown) => (typeof value === 'string' && TOKEN.test(value) ? value : '');

/**
 * One answer whether a mail went out now, went out within the last minute (throttled), or
 * there is no ID behind the name (a decoy lock): the address is not shown, so the page tells
 * neither which usernames exist nor where their mail goes. The floor hides the mail's work.
 */
const SENT = msg('locked.sent');

async function sendEmail(ctx: Context, deps: FlowDeps): Promise<void> {
  const details = await interactionOf(ctx, deps);
  const floor = startFloor(SIGN_IN_FAILURE_FLOOR_MS);
  const found = await deps.identity.signIn.find(details.uid);
  if (found?.flow.state !== 'locked') throw new GoTo(interactionUrl(details.uid));
  const outcome = found.account ? await deps.identity.signIn.sendUnlockMail(found.account, (token) => `${deps.config.issuer}/unlock?token=${token}`, originOf(ctx, details)) : undefined;
  await floor();
  renderLocked(ctx, deps, details, found.account, outcome?.status === 'not_allowed' ? {} : { notice: SENT });
}

const linkError = (why: string) => new PageError(400, msg('verify.link_error.title'), msg(why));

/** GET only asks: mail scanners open links before people do. */
function confirmPage(ctx: Context, deps: FlowDeps): void {
  const token = tokenOf(ctx.query.token);
  if (!token) throw linkError('unlock.error.invalid');
  sendPage(ctx, deps.renderer, 'unlock', { mode: 'confirm', action: '/unlock', token, csrf: deps.csrf.token(`unlock:${token}`) });
}

async function confirm(ctx: Context, deps: FlowDeps): Promise<void> {
  const token = tokenOf((ctx.request.body as Record<string, unknown> | undefined)?.token);
  requireForm(ctx, deps, `unlock:${token}`, msg('standalone.csrf.body'));
  const outcome = await deps.identity.signIn.unlockByLink(token, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
  if (outcome.ok) return sendPage(ctx, deps.renderer, 'unlock', { mode: 'done', signInUrl: '/account' });
  throw linkError(outcome.reason === 'expired' ? 'unlock.error.expired' : outcome.reason === 'not_locked' ? 'unlock.error.not_locked' : 'unlock.error.used');
}

/** Re-enabling a locked ID: the email from the locked page, and the link in it. */
export function lockedRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/locked/send-email', (ctx) => sendEmail(ctx, deps));
  router.get('/unlock', (ctx) => confirmPage(ctx, deps));
  router.post('/unlock', (ctx) => confirm(ctx, deps));
}
