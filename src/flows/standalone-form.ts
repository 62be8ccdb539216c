import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { hostCookie } from '../web/cookies.js';

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
