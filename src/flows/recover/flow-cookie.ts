import type { Context } from 'koa';
import { cookieOptions } from '../standalone-form.js';

/** The browser's "Forgot password" flow id; HttpOnly, and gone with the flow (30 minutes). */
const COOKIE = 'portico_recovery';

export const readRecoveryCookie = (ctx: Context) => ctx.cookies.get(COOKIE) || undefined;
export const setRecoveryCookie = (ctx: Context, id: string) => ctx.cookies.set(COOKIE, id, cookieOptions(ctx, 30 * 60_000));
export const clearRecoveryCookie = (ctx: Context) => ctx.cookies.set(COOKIE, null, cookieOptions(ctx));
