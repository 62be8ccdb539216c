import type { Context } from 'koa';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';
import { backTo } from './page.js';
import { loadAccountPlace, type AccountPlace } from './place.js';

export type AccountHandler = (ctx: Context, deps: FlowDeps, place: AccountPlace) => Promise<void>;

/**
 * A route of a second-step method's own account page (set it up, change it, remove it). Each
 * changes how the account signs in, so each needs a recent sign-in, as a password change does;
 * a method the policy does not offer this account's type sends the person back to the security page; `limited`
 * POSTs count as the code forms do (a typed code is a guess, a ceremony costs work).
 */
export function methodRoute(deps: FlowDeps, listed: (deps: FlowDeps, account: Account) => boolean, handler: AccountHandler, options: { post: boolean; limited?: boolean }) {
  return async (ctx: Context): Promise<void> => {
    const place = await loadAccountPlace(ctx, deps, { post: options.post, sensitive: true });
    if (!listed(deps, place.account)) return backTo(ctx, deps, place, 'security');
    if (options.limited) await deps.limits.attempt('codes', ctx.ip, place.account.id);
    await handler(ctx, deps, place);
  };
}
