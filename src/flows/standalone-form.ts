import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { hostCookie } from '../web/cookies.js';
import { isCrossOrigin } from '../web/csrf.js';
import type { FlowDeps } from './deps.js';
import { msg } from '../i18n/index.js';
import { sendError } from './interaction.js';

/*
 * CSRF for hosted pages outside an interaction (/register, /verify-email): the token is bound
 * to a random value this browser holds in a cookie, so a token copied from another browser's
 * page does not work here. Pages with a better binding (a flow id) pass their own.
 */

const formCookie = hostCookie('portico_form');

/** The binding for this browser's forms; sets the cookie on first use. */
export function browserBinding(ctx: Context, purpose: string): string {
  let value = formCookie.get(ctx);
  if (!value || !/^[A-Za-z0-9_-]{22}$/.test(value)) {
    value = randomBytes(16).toString('base64url');
    formCookie.set(ctx, value);
  }
  return `${purpose}:${value}`;
}

/** Like checkFormPost, for a page outside an interaction; answers 403 itself when it fails. */
export function checkStandalonePost(ctx: Context, deps: FlowDeps, binding: string): boolean {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  if (!isCrossOrigin(ctx, new URL(deps.config.issuer).origin) && deps.csrf.verify(binding, body?.csrf)) return true;
  sendError(ctx, deps, 403, msg('interaction.csrf.title'), msg('standalone.csrf.body'));
  return false;
}
