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

function show(ctx: Context, deps: FlowDeps, place: AccountPlace, page: MethodPage, errors: Record<string, Msg> = {}, status = 200): void {
  sendPage(ctx, deps.renderer, page.view, { action: ENROL, backUrl: '/account/security', csrf: deps.csrf.token(accountBinding(place.account.id)), errors, ...page.data }, status);
}

/** The QR code and key, until the app is confirmed; after that the account page. */
async function enrolment(ctx: Context, deps: FlowDeps, place: AccountPlace, errors?: Record<string, Msg>, status?: number): Promise<void> {
  const page = await enrolmentPage(place.account, await deps.identity.authenticatorApp.enrolmentSecret(place.account.id));
  if (!page) return backTo(ctx, deps, place, 'security');
  show(ctx, deps, place, page, errors, status);
}

async function confirm(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const code = (ctx.request.body as Record<string, unknown> | undefined)?.code;
  const confirmation = await deps.identity.authenticatorApp.confirm(place.account, typeof code === 'string' ? code : '', place.origin);
  if (!confirmation.ok && confirmation.reason === 'not_pending') return backTo(ctx, deps, place, 'security');
  if (!confirmation.ok) return enrolment(ctx, deps, place, { code: confirmProblem(confirmation) }, 400);
  // Shown once, in this answer: no page shows them again.
  show(ctx, deps, place, recoveryCodesPage(confirmation.recoveryCodes));
}

async function remove(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const removed = await deps.identity.authenticatorApp.remove(place.account, place.origin);
  backTo(ctx, deps, place, 'security', removed ? 'account.notice.app_removed' : undefined);
}

/** Setting up and removing the authenticator app from the account page. */
export function authenticatorAppRoutes(router: Router, deps: FlowDeps): void {
  router.get(ENROL, methodRoute(deps, appListed, (ctx, d, place) => enrolment(ctx, d, place), { post: false }));
  router.post(ENROL, methodRoute(deps, appListed, confirm, { post: true, limited: true }));
  router.post(`${ENROL}/remove`, methodRoute(deps, appListed, remove, { post: true, limited: true }));
}
