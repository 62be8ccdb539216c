import type Router from '@koa/router';
import type { Context } from 'koa';
import { msg, type Msg } from '../../i18n/index.js';
import { PASSKEY_NAME_MAX } from '../../identity/second-step/passkeys.js';
import { passkeysListed } from '../../methods/passkey.js';
import { passkeyProblem } from '../../methods/passkey-messages.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { backTo } from './page.js';
import { methodRoute } from './method-route.js';
import { accountBinding, type AccountPlace } from './place.js';

const ADD = '/account/passkeys';

const field = (ctx: Context, name: string): string => {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** The name field and the button; the options (a fresh challenge) ride on the form for public/passkey.js. */
async function addPage(ctx: Context, deps: FlowDeps, place: AccountPlace, name = '', errors: Record<string, Msg> = {}, status = 200): Promise<void> {
  const options = await deps.identity.passkeys.registrationOptions(place.account);
  sendPage(ctx, deps.renderer, 'passkey-add', { action: ADD, backUrl: '/account/security', csrf: deps.csrf.token(accountBinding(place.account.id)), options: JSON.stringify(options), name, errors }, status);
}

async function add(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const name = field(ctx, 'name').trim();
  if (name.length === 0 || name.length > PASSKEY_NAME_MAX) return addPage(ctx, deps, place, name, { name: msg('passkey.error.name') }, 400);
  const registration = await deps.identity.passkeys.register(place.account, name, field(ctx, 'response'), place.origin);
  if (!registration.ok) return addPage(ctx, deps, place, name, { passkey: passkeyProblem(registration.reason) }, 400);
  backTo(ctx, deps, place, 'security', 'account.notice.passkey_added');
}

async function remove(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const removed = await deps.identity.passkeys.remove(place.account, field(ctx, 'passkey'), place.origin);
  backTo(ctx, deps, place, 'security', removed ? 'account.notice.passkey_removed' : undefined);
}

/** Adding and removing passkeys from the account page; each POST may be a WebAuthn ceremony or a mailed change, so each is limited. */
export function passkeyRoutes(router: Router, deps: FlowDeps): void {
  router.get(ADD, methodRoute(deps, passkeysListed, (ctx, d, place) => addPage(ctx, d, place), { post: false }));
  router.post(ADD, methodRoute(deps, passkeysListed, add, { post: true, limited: true }));
  router.post(`${ADD}/remove`, methodRoute(deps, passkeysListed, remove, { post: true, limited: true }));
}
