import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Msg } from '../../i18n/index.js';
import { appListed } from '../../methods/authenticator-app.js';
import { confirmProblem } from '../../methods/authenticator-app-messages.js';
import { enrolmentPage, recoveryCodesPage } from '../../methods/authenticator-app-page.js';
import type { MethodPage } from '../../methods/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { backTo } from './page.js';
import { methodRoute } from './method-route.js';
import { accountBinding, type AccountPlace } from './place.js';

const ENROL = '/account/authenticator-app';
const REPLACE = `${ENROL}/replace`;

/** What is being set up: a first app, or a new one replacing the confirmed app ("Set up again"). */
type Setup = 'first' | 'replace';
const actionOf = (setup: Setup) => (setup === 'first' ? ENROL : REPLACE);

function show(ctx: Context, deps: FlowDeps, place: AccountPlace, setup: Setup, page: MethodPage, errors: Record<string, Msg> = {}, status = 200): void {
  sendPage(ctx, deps.renderer, page.view, { action: actionOf(setup), backUrl: '/account/security', csrf: deps.csrf.token(accountBinding(place.account.id)), errors, ...page.data }, status);
}

/**
 * The QR code and key: of a first app until it is confirmed, or of a new one replacing it
 * (the old app works until the new one is confirmed). Nothing to set up: the account page.
 */
async function enrolment(ctx: Context, deps: FlowDeps, place: AccountPlace, setup: Setup, errors?: Record<string, Msg>, status?: number): Promise<void> {
  const app = deps.identity.authenticatorApp;
  const secret = setup === 'first' ? await app.enrolmentSecret(place.account.id) : await app.replacementSecret(place.account.id);
  const page = await enrolmentPage(deps, place.account, secret);
  if (!page) return backTo(ctx, deps, place, 'security');
  show(ctx, deps, place, setup, setup === 'first' ? page : { view: page.view, data: { ...page.data, again: true } }, errors, status);
}

async function confirm(ctx: Context, deps: FlowDeps, place: AccountPlace, setup: Setup): Promise<void> {
  const code = (ctx.request.body as Record<string, unknown> | undefined)?.code;
  const confirmation = await deps.identity.authenticatorApp.confirm(place.account, typeof code === 'string' ? code : '', place.origin);
  if (!confirmation.ok && confirmation.reason === 'not_pending') return backTo(ctx, deps, place, 'security');
  if (!confirmation.ok) return enrolment(ctx, deps, place, setup, { code: confirmProblem(confirmation) }, 400);
  // Shown once, in this answer: no page shows them again.
  show(ctx, deps, place, setup, recoveryCodesPage(confirmation.recoveryCodes));
}

async function remove(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const removed = await deps.identity.authenticatorApp.remove(place.account, place.origin);
  backTo(ctx, deps, place, 'security', removed ? 'account.notice.app_removed' : undefined);
}

/** Setting up, setting up again and removing the authenticator app from the account page. */
export function authenticatorAppRoutes(router: Router, deps: FlowDeps): void {
  for (const setup of ['first', 'replace'] as const) {
    router.get(actionOf(setup), methodRoute(deps, appListed, (ctx, d, place) => enrolment(ctx, d, place, setup), { post: false }));
    router.post(actionOf(setup), methodRoute(deps, appListed, (ctx, d, place) => confirm(ctx, d, place, setup), { post: true, limited: true }));
  }
  router.post(`${ENROL}/remove`, methodRoute(deps, appListed, remove, { post: true, limited: true }));
}
