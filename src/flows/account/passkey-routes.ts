import type Router from '@koa/router';
import type { Context } from 'koa';
import { msg, type Msg } from '../../i18n/index.js';
import { PASSKEY_NAME_MAX } from '../../identity/second-step/passkeys.js';
import { passkeysListed } from '../../methods/passkey.js';
import { passkeyProblem } from '../../methods/passkey-messages.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { backTo } from './page.js';
import { accountBinding, loadAccountPlace, type AccountPlace } from './place.js';

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

/**
 * Adding and removing passkeys from the account page. Both change how the account signs in,
 * so both need a recent sign-in, as the authenticator app's setup does.
 */
export function passkeyRoutes(router: Router, deps: FlowDeps): void {
  const guarded = (handler: (ctx: Context, deps: FlowDeps, place: AccountPlace) => Promise<void>, post: boolean) => async (ctx: Context) => {
    const place = await loadAccountPlace(ctx, deps, { post, sensitive: true });
    // Each POST may make a WebAuthn ceremony or a change the owner is mailed about: limited like the app's.
    if (post) await deps.limits.attempt('codes', ctx.ip, place.account.id);
    if (!passkeysListed(deps)) {
      ctx.status = 303;
      return ctx.redirect('/account/security');
    }
    await handler(ctx, deps, place);
  };
  router.get(ADD, guarded((ctx, d, place) => addPage(ctx, d, place), false));
  router.post(ADD, guarded(add, true));
  router.post(`${ADD}/remove`, guarded(remove, true));
}
