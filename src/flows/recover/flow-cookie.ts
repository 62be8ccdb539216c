import type { Context } from 'koa';
import { hostCookie } from '../../web/cookies.js';

/** The browser's "Forgot password" flow id; HttpOnly, and gone with the flow (30 minutes). */
const cookie = hostCookie('portico_recovery');

export const readRecoveryCookie = (ctx: Context) => cookie.get(ctx);
export const setRecoveryCookie = (ctx: Context, id: string) => cookie.set(ctx, id, 30 * 60_000);
export const clearRecoveryCookie = (ctx: Context) => cookie.clear(ctx);
